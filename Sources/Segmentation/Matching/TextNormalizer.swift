import Foundation

/// Unicode and whitespace normalisation shared by every field normaliser, and the folded form comparators use.
enum TextNormalizer {
    /// The text in Unicode NFC with runs of whitespace collapsed to one space and both ends trimmed.
    ///
    /// `"  Jürgen   Müller "` → `"Jürgen Müller"`; a decomposed `"Mu\u{308}ller"` → `"Müller"`. Every Unicode
    /// whitespace scalar (tab, no-break space, line separators) counts as whitespace.
    /// - Complexity: O(n) in the length of `text`.
    static func collapsed(_ text: String) -> String {
        let composed = text.precomposedStringWithCanonicalMapping
        var result = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in composed.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// The scalars of `text` lower-cased and folded for matching: umlauts and `ß` transliterated the German way
    /// (`ä` → `ae`, `ß` → `ss`), other Latin diacritics removed (`é` → `e`, `ł` → `l`), whitespace collapsed.
    ///
    /// `"Müller"` and `"Mueller"` both fold to `mueller`; `"Lefèvre"` to `lefevre`. Scalars outside Latin are
    /// kept lower-cased. Comparators run on this form, so an umlaut written out is not a typo.
    static func folded(_ text: String) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.unicodeScalars.count + 4)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !result.isEmpty
                continue
            }
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            if pendingSpace { result.append(" ") }
            pendingSpace = false
            appendFolded(scalar, to: &result)
        }
        return result
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
            result.append(contentsOf: latinFold[Int(value)].unicodeScalars)
            return
        }
        result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
    }

    /// Folded spellings of U+0000…U+024F, built once.
    private static let latinFold: [String] = {
        let special: [Unicode.Scalar: String] = [
            "ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe", "Ü": "ue", "ß": "ss", "ẞ": "ss",
            "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d",
            "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ı": "i", "ĳ": "ij", "Ĳ": "ij",
        ]
        return (0..<0x250).map { value -> String in
            guard let scalar = Unicode.Scalar(UInt32(value)) else { return "" }
            if let text = special[scalar] { return text }
            let base = String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars.filter {
                $0.properties.generalCategory != .nonspacingMark
            }
            return String(String.UnicodeScalarView(base)).lowercased()
        }
    }()
}
