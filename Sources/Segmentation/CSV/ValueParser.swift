/// Parses numbers and dates from the raw UTF-8 bytes of CSV fields, without allocating.
///
/// Every parser trims surrounding whitespace (spaces, tabs, no-break spaces) and returns `nil` for an
/// empty or unparseable value; deciding whether a `nil` is a reject or a missing value is the caller's job.
public enum ValueParser {
    // MARK: - Integers

    /// A whole number with an optional sign (`42`, `-7`, `+3`); `nil` on overflow or any other character.
    public static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let base = bytes.baseAddress else { return nil }
        let trimmed = trimmedRange(base, 0, bytes.count)
        var start = trimmed.0
        let end = trimmed.1
        guard start < end else { return nil }
        var isNegative = false
        if base[start] == UInt8(ascii: "-") || base[start] == UInt8(ascii: "+") {
            isNegative = base[start] == UInt8(ascii: "-")
            start += 1
        }
        guard start < end else { return nil }
        var value: Int64 = 0
        while start < end {
            let digit = base[start] &- 0x30
            guard digit < 10 else { return nil }
            let (product, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) =
                isNegative
                ? product.subtractingReportingOverflow(Int64(digit)) : product.addingReportingOverflow(Int64(digit))
            guard !overflow1 && !overflow2 else { return nil }
            value = sum
            start += 1
        }
        return value
    }

    /// Parses ``integer(_:)-(UnsafeBufferPointer<UInt8>)`` from a string.
    public static func integer(_ text: String) -> Int64? {
        withBytes(text) { integer($0) }
    }

    // MARK: - Decimals

    /// A decimal number such as `1234.56`, `1.234,56`, `1,234.56`, `-12,5`, `€ 12,50` or `12.50 EUR`.
    ///
    /// Currency symbols (`€`, `$`, `£`) and three-letter upper-case currency codes before or after the
    /// number are ignored, as is whitespace around them. See ``DecimalStyle`` for how separators are read.
    /// Values with up to 15 significant digits give exactly the `Double` that `Double("1234.56")` gives.
    public static func decimal(_ bytes: UnsafeBufferPointer<UInt8>, style: DecimalStyle = .auto) -> Double? {
        guard let base = bytes.baseAddress else { return nil }
        if style != .comma, let value = plainDecimal(base, bytes.count) { return value }
        var (start, end) = trimmedRange(base, 0, bytes.count)
        var isNegative = false
        var hasSign = false
        // Leading sign, currency and spaces, in any order.
        while start < end {
            let byte = base[start]
            if !hasSign && (byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")) {
                hasSign = true
                isNegative = byte == UInt8(ascii: "-")
                start += 1
            } else if let length = currencyLength(base, at: start, end: end, leading: true) {
                start += length
                (start, end) = trimmedRange(base, start, end)
            } else {
                break
            }
        }
        // Trailing currency and spaces.
        while start < end, let length = currencyLength(base, endingAt: end, start: start) {
            end -= length
            (start, end) = trimmedRange(base, start, end)
        }
        guard start < end else { return nil }

        // Find which separators occur.
        var pointCount = 0
        var commaCount = 0
        var lastPoint = -1
        var lastComma = -1
        var index = start
        while index < end {
            let byte = base[index]
            if byte == UInt8(ascii: ".") {
                pointCount += 1
                lastPoint = index
            } else if byte == UInt8(ascii: ",") {
                commaCount += 1
                lastComma = index
            }
            index += 1
        }
        let decimalSeparator: UInt8?
        switch style {
        case .point: decimalSeparator = UInt8(ascii: ".")
        case .comma: decimalSeparator = UInt8(ascii: ",")
        case .auto:
            if pointCount > 0 && commaCount > 0 {
                decimalSeparator = lastPoint > lastComma ? UInt8(ascii: ".") : UInt8(ascii: ",")
            } else if pointCount == 1 {
                decimalSeparator = UInt8(ascii: ".")
            } else if commaCount == 1 {
                decimalSeparator = UInt8(ascii: ",")
            } else {
                decimalSeparator = nil
            }
        }

        // Digits, thousands groups and the fraction.
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var droppedIntegerDigits = 0
        var fractionDigits = 0
        var digitCount = 0
        var isInFraction = false
        var thousandsSeparator: UInt8 = 0
        var groupLength = 0
        var hasGroups = false
        index = start
        while index < end {
            let byte = base[index]
            let digit = byte &- 0x30
            if digit < 10 {
                digitCount += 1
                groupLength += 1
                if significantDigits < 19 {
                    if mantissa != 0 || digit != 0 { significantDigits += 1 }
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    if isInFraction { fractionDigits += 1 }
                } else if !isInFraction {
                    droppedIntegerDigits += 1
                }
            } else if byte == decimalSeparator && !isInFraction {
                if hasGroups && groupLength != 3 { return nil }
                isInFraction = true
            } else if !isInFraction
                && (byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "'")
                    || byte == UInt8(ascii: " "))
            {
                if thousandsSeparator == 0 {
                    thousandsSeparator = byte
                    guard groupLength >= 1 && groupLength <= 3 else { return nil }
                } else {
                    guard byte == thousandsSeparator && groupLength == 3 else { return nil }
                }
                hasGroups = true
                groupLength = 0
            } else {
                return nil
            }
            index += 1
        }
        guard digitCount > 0 else { return nil }
        if hasGroups && !isInFraction && groupLength != 3 { return nil }
        if droppedIntegerDigits == 0 && mantissa <= 1 << 53 && fractionDigits < powersOfTen.count {
            let value = Double(mantissa) / powersOfTen[fractionDigits]
            return isNegative ? -value : value
        }
        return slowDecimal(base, start, end, decimalSeparator: decimalSeparator, isNegative: isNegative)
    }

    /// The common case on its own: `[-]digits[.digits]` with at most 15 digits and nothing else, else nil (the
    /// general parser then decides). Gives exactly what the general parser gives for such a value.
    @inline(__always)
    private static func plainDecimal(_ base: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        guard count > 0, count <= 17 else { return nil }
        var index = base[0] == UInt8(ascii: "-") ? 1 : 0
        let isNegative = index == 1
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = -1  // -1 until the point
        while index < count {
            let byte = base[index]
            let digit = byte &- 0x30
            if digit < 10 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                digits += 1
                if fractionDigits >= 0 { fractionDigits += 1 }
            } else if byte == UInt8(ascii: "."), fractionDigits < 0, digits > 0 {
                fractionDigits = 0
            } else {
                return nil
            }
            index += 1
        }
        guard digits > 0, digits <= 15, fractionDigits != 0 else { return nil }
        let value = Double(mantissa) / powersOfTen[max(fractionDigits, 0)]
        return isNegative ? -value : value
    }

    /// Parses ``decimal(_:style:)-(UnsafeBufferPointer<UInt8>,_)`` from a string.
    public static func decimal(_ text: String, style: DecimalStyle = .auto) -> Double? {
        withBytes(text) { decimal($0, style: style) }
    }

    // MARK: - Helpers

    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22,
    ]

    /// Builds `digits.fraction` and lets the standard library round it (values with many digits).
    private static func slowDecimal(
        _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, decimalSeparator: UInt8?, isNegative: Bool
    ) -> Double? {
        var text = isNegative ? "-" : ""
        var index = start
        while index < end {
            let byte = base[index]
            if byte &- 0x30 < 10 {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else if byte == decimalSeparator {
                text.append(".")
            }
            index += 1
        }
        return Double(text)
    }

    /// The length of a currency symbol or upper-case three-letter code at `index`, if one starts there.
    private static func currencyLength(
        _ base: UnsafePointer<UInt8>, at index: Int, end: Int, leading: Bool
    ) -> Int? {
        let byte = base[index]
        if byte == UInt8(ascii: "$") { return 1 }
        if byte == 0xE2 && index + 2 < end && base[index + 1] == 0x82 && base[index + 2] == 0xAC { return 3 }
        if byte == 0xC2 && index + 1 < end && base[index + 1] == 0xA3 { return 2 }
        if index + 3 <= end && isUpperLetter(base[index]) && isUpperLetter(base[index + 1])
            && isUpperLetter(base[index + 2]) && (index + 3 == end || !isUpperLetter(base[index + 3]))
        {
            return 3
        }
        return nil
    }

    /// The length of a currency symbol or upper-case three-letter code ending just before `end`, if any.
    private static func currencyLength(_ base: UnsafePointer<UInt8>, endingAt end: Int, start: Int) -> Int? {
        let last = base[end - 1]
        if last == UInt8(ascii: "$") { return 1 }
        if end - start >= 3 && base[end - 3] == 0xE2 && base[end - 2] == 0x82 && last == 0xAC { return 3 }
        if end - start >= 2 && base[end - 2] == 0xC2 && last == 0xA3 { return 2 }
        if end - start >= 3 && isUpperLetter(base[end - 3]) && isUpperLetter(base[end - 2]) && isUpperLetter(last)
            && (end - 3 == start || !isUpperLetter(base[end - 4]))
        {
            return 3
        }
        return nil
    }

    @inline(__always)
    private static func isUpperLetter(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "A") < 26
    }

    /// `start..<end` without leading and trailing spaces, tabs, line breaks and no-break spaces.
    @inline(__always)
    static func trimmedRange(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int) {
        var start = start
        var end = end
        while start < end {
            let byte = base[start]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                start += 1
            } else if byte == 0xC2 && start + 1 < end && base[start + 1] == 0xA0 {
                start += 2
            } else if byte == 0xE2 && start + 2 < end && base[start + 1] == 0x80 && base[start + 2] == 0xAF {
                start += 3
            } else {
                break
            }
        }
        while end > start {
            let byte = base[end - 1]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                end -= 1
            } else if byte == 0xA0 && end - 2 >= start && base[end - 2] == 0xC2 {
                end -= 2
            } else if byte == 0xAF && end - 3 >= start && base[end - 3] == 0xE2 && base[end - 2] == 0x80 {
                end -= 3
            } else {
                break
            }
        }
        return (start, end)
    }

    /// Runs `body` over the UTF-8 bytes of `text`.
    static func withBytes<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        var text = text
        return text.withUTF8 { body($0) }
    }
}
