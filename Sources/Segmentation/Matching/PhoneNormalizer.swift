/// Telephone numbers written in E.164 (`+491711234567`).
enum PhoneNormalizer {
    /// The number in E.164, or nil when `raw` is not a plausible phone number.
    ///
    /// Rules, in order:
    /// 1. Spaces, `/`, `-`, `.` and parentheses are separators and dropped; a `(0)` right after an
    ///    international prefix is dropped with them (`+49 (0)171 …`). Any other character (letters,
    ///    a second `+`) makes the value junk.
    /// 2. `+` or `00` starts an international number; `0` (the region's trunk prefix) starts a national number
    ///    of `defaultRegion`, which is dropped and replaced by its calling code (`0171/1234567` → `+49171…`);
    ///    in regions without a trunk prefix (IT, ES, PL, DK, LU, CZ) every number without `+`/`00` is national
    ///    and keeps its digits. Otherwise a number without any prefix is nil (ambiguous).
    /// 3. A trunk `0` written after the calling code (`+49 0171 …`) is dropped.
    /// 4. Length: when the calling code is one of ``PhoneRegion/all``, the national significant number must
    ///    have that region's length (DE 6…13, CH/NL/FR 9, …); otherwise the whole number must have 7…15 digits
    ///    (E.164 allows at most 15).
    static func e164(_ raw: String, defaultRegion: PhoneRegion = .germany) -> String? {
        var raw = raw
        if let result = raw.withUTF8({ asciiE164($0, defaultRegion: defaultRegion) }) { return result }
        return scalarE164(raw, defaultRegion: defaultRegion)
    }

    /// ``e164(_:defaultRegion:)`` on the bytes of an all-ASCII value (the usual case), without building a `String`
    /// until the result: nil when a byte is not ASCII (the scalar path decides), else the result (nil for junk).
    /// The same rules in the same order; `PhoneNormalizerTests` compares the two paths on random values.
    static func asciiE164(_ bytes: UnsafeBufferPointer<UInt8>, defaultRegion: PhoneRegion) -> String?? {
        // More digits than any valid number has (a 3-digit calling code, 13 national digits and prefixes): nil
        // whatever follows.
        let digitLimit = 24
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: digitLimit + 8) { buffer -> String?? in
            guard let digits = buffer.baseAddress else { return nil }
            var count = 0
            var hasPlus = false
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    guard count < digitLimit else { return .some(nil) }
                    digits[count] = byte
                    count += 1
                case UInt8(ascii: "+"):
                    guard count == 0, !hasPlus else { return .some(nil) }
                    hasPlus = true
                case UInt8(ascii: "("):
                    // `(0)` after an international prefix is the optional trunk prefix.
                    let isInternational =
                        hasPlus || (count >= 2 && digits[0] == UInt8(ascii: "0") && digits[1] == UInt8(ascii: "0"))
                    if isInternational, index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "0"),
                        bytes[index + 2] == UInt8(ascii: ")")
                    {
                        index += 3
                        continue
                    }
                case UInt8(ascii: " "), UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ")"),
                    UInt8(ascii: "\t"):
                    break
                case 0x80...:
                    return nil
                default:
                    return .some(nil)
                }
                index += 1
            }
            guard count > 0 else { return .some(nil) }
            // The international digits (without `+`), in `digits[start..<end]` after a calling code written in
            // front of them when the number was national.
            var start = 0
            if hasPlus {
            } else if count >= 2 && digits[0] == UInt8(ascii: "0") && digits[1] == UInt8(ascii: "0") {
                start = 2
            } else {
                let trunk = defaultRegion.trunkPrefix.utf8
                if !trunk.isEmpty {
                    let leading = UnsafeBufferPointer(start: digits, count: min(count, trunk.count))
                    guard count >= trunk.count, trunk.elementsEqual(leading) else { return .some(nil) }
                    start = trunk.count
                }
                // Room in front for the calling code: the digits move up by its length.
                let calling = defaultRegion.callingCode.utf8
                let shift = calling.count - start
                if shift > 0 {
                    var position = count - 1
                    while position >= start {
                        digits[position + shift] = digits[position]
                        position -= 1
                    }
                } else if shift < 0 {
                    for position in start..<count { digits[position + shift] = digits[position] }
                }
                count += shift
                start = 0
                for (offset, byte) in calling.enumerated() { digits[offset] = byte }
            }
            let international = UnsafeBufferPointer(start: digits + start, count: count - start)
            guard let first = international.first, first != UInt8(ascii: "0") else { return .some(nil) }
            if let region = PhoneRegion.all.first(where: { international.starts(with: $0.callingCode.utf8) }) {
                var national = UnsafeBufferPointer(rebasing: international[region.callingCode.utf8.count...])
                if region.trunkPrefix == "0", national.first == UInt8(ascii: "0") {
                    national = UnsafeBufferPointer(rebasing: national.dropFirst())
                }
                guard region.nationalLengths.contains(national.count) else { return .some(nil) }
                return .some("+" + region.callingCode + String(decoding: national, as: UTF8.self))
            }
            guard (7...15).contains(international.count) else { return .some(nil) }
            return .some("+" + String(decoding: international, as: UTF8.self))
        }
    }

    /// ``e164(_:defaultRegion:)`` on the Unicode scalars of any value.
    static func scalarE164(_ raw: String, defaultRegion: PhoneRegion) -> String? {
        var digits = ""
        var hasPlus = false
        var sawDigit = false
        let scalars = Array(raw.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "0"..."9":
                digits.unicodeScalars.append(scalar)
                sawDigit = true
            case "+":
                guard !sawDigit, !hasPlus else { return nil }
                hasPlus = true
            case "(":
                // `(0)` after an international prefix is the optional trunk prefix.
                let isInternational = hasPlus || digits.hasPrefix("00")
                if isInternational, index + 2 < scalars.count, scalars[index + 1] == "0", scalars[index + 2] == ")" {
                    index += 3
                    continue
                }
            case " ", "/", "-", ".", ")", "\u{A0}", "\t":
                break
            default:
                return nil
            }
            index += 1
        }
        guard !digits.isEmpty else { return nil }
        var international: Substring
        if hasPlus {
            international = Substring(digits)
        } else if digits.hasPrefix("00") {
            international = digits.dropFirst(2)
        } else if !defaultRegion.trunkPrefix.isEmpty {
            guard digits.hasPrefix(defaultRegion.trunkPrefix) else { return nil }
            international = Substring(defaultRegion.callingCode + digits.dropFirst(defaultRegion.trunkPrefix.count))
        } else {
            international = Substring(defaultRegion.callingCode + digits)
        }
        guard let first = international.first, first != "0" else { return nil }
        if let region = PhoneRegion.region(startingInternational: international) {
            var national = international.dropFirst(region.callingCode.count)
            if !region.trunkPrefix.isEmpty, national.hasPrefix(region.trunkPrefix), region.trunkPrefix == "0" {
                national = national.dropFirst()
            }
            guard region.nationalLengths.contains(national.count) else { return nil }
            return "+" + region.callingCode + national
        }
        guard (7...15).contains(international.count) else { return nil }
        return "+" + international
    }
}
