import Foundation

/// Unicode and whitespace normalisation shared by every field normaliser, and the folded form comparators use.
enum TextNormalizer {
    /// The text in Unicode NFC with runs of whitespace collapsed to one space and both ends trimmed.
    ///
    /// `"  Jürgen   Müller "` → `"Jürgen Müller"`; a decomposed `"Mu\u{308}ller"` → `"Müller"`. Every Unicode
    /// whitespace scalar (tab, no-break space, line separators) counts as whitespace.
    /// - Complexity: O(n) in the length of `text`.
    static func collapsed(_ text: String) -> String {
        var copy = text
        if let ascii = copy.withUTF8({ asciiCollapsed($0, original: text) }) { return ascii }
        return generalCollapsed(text)
    }

    /// ``collapsed(_:)`` for any text, scalar by scalar (the ASCII fast path's reference).
    static func generalCollapsed(_ text: String) -> String {
        let composed = composedNFC(text)
        var result = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in composed.unicodeScalars {
            if isWhitespace(scalar) {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// ``collapsed(_:)`` of all-ASCII bytes (already NFC): the original string when nothing changes (no whitespace
    /// but single inner spaces), else the collapsed bytes; nil when a byte is not ASCII.
    static func asciiCollapsed(_ bytes: UnsafeBufferPointer<UInt8>, original: String) -> String? {
        var unchanged = true
        for (position, byte) in bytes.enumerated() {
            if byte >= 0x80 { return nil }
            guard byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) else { continue }
            if byte != 0x20 || position == 0 || position == bytes.count - 1 || bytes[position - 1] == 0x20 {
                unchanged = false
            }
        }
        if unchanged { return original }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var pendingSpace = false
        for byte in bytes {
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(0x20) }
                pendingSpace = false
                result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// The scalars of `text` lower-cased and folded for matching: umlauts and `ß` transliterated the German way
    /// (`ä` → `ae`, `ß` → `ss`), other Latin diacritics removed (`é` → `e`, `ł` → `l`), whitespace collapsed.
    ///
    /// `"Müller"` and `"Mueller"` both fold to `mueller`; `"Lefèvre"` to `lefevre`. Scalars outside Latin are
    /// kept lower-cased. Comparators run on this form, so an umlaut written out is not a typo.
    static func folded(_ text: String) -> [Unicode.Scalar] {
        let text = composedNFC(text)
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.unicodeScalars.count + 4)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if isWhitespace(scalar) {
                pendingSpace = !result.isEmpty
                continue
            }
            if scalar.value >= 0x80 && scalar.properties.generalCategory == .nonspacingMark { continue }
            if pendingSpace { result.append(" ") }
            pendingSpace = false
            appendFolded(scalar, to: &result)
        }
        return result
    }

    /// `text` in NFC; text whose scalars all lie below U+0300 is already in NFC and returned as is.
    static func composedNFC(_ text: String) -> String {
        text.unicodeScalars.allSatisfy { $0.value < 0x300 } ? text : text.precomposedStringWithCanonicalMapping
    }

    /// Whether `scalar` is Unicode whitespace, without a property lookup for ASCII.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x80
            ? scalar == " " || (scalar.value >= 0x09 && scalar.value <= 0x0D) : scalar.properties.isWhitespace
    }

    /// Appends the folded form of one scalar.
    static func appendFolded(_ scalar: Unicode.Scalar, to result: inout [Unicode.Scalar]) {
        let value = scalar.value
        if value < 0x80 {
            if value >= 0x41 && value <= 0x5A, let lower = Unicode.Scalar(value + 32) {
                result.append(lower)
            } else {
                result.append(scalar)
            }
            return
        }
        if value < UInt32(latinFold.count) {
            result.append(contentsOf: latinFold[Int(value)])
            return
        }
        result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
    }

    /// Folded spellings of U+0000…U+024F, built once.
    private static let latinFold: [[Unicode.Scalar]] = {
        let special: [Unicode.Scalar: String] = [
            "ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue", "ß": "ss", "ẞ": "ss",
            "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d",
            "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i", "ĳ": "ij", "Ĳ": "ij",
        ]
        return (0..<0x250).map { value -> [Unicode.Scalar] in
            guard let scalar = Unicode.Scalar(UInt32(value)) else { return [] }
            if let text = special[scalar] { return Array(text.unicodeScalars) }
            let base = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.filter {
                $0.properties.generalCategory != .nonspacingMark
            }
            return Array(String(String.UnicodeScalarView(base)).lowercased().unicodeScalars)
        }
    }()
}
