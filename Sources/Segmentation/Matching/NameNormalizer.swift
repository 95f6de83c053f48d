/// Proper case for person names that keeps `ß`, umlauts, name particles and compound names intact.
enum NameNormalizer {
    /// Particles written in lower case inside a name (`von`, `van der`, `de`, `zu`, `von und zu`, …).
    static let particles: Set<String> = [
        "von", "vom", "van", "der", "den", "de", "del", "della", "di", "da", "du", "des", "zu", "zum", "zur",
        "und", "le", "la", "ten", "ter", "te", "op", "dos", "das", "af", "av",
    ]

    /// The name in proper case, NFC and with whitespace collapsed, or nil when nothing is left.
    ///
    /// Rules, token by token (tokens are separated by spaces):
    /// - a particle (``particles``) is lower-cased unless it is the last token, which is a surname itself
    ///   (`VAN DER BERG` → `van der Berg`, `Anna Le` → `Anna Le`);
    /// - every other token is lower-cased and each part after a hyphen starts with a capital
    ///   (`MÜLLER-LÜDENSCHEIDT` → `Müller-Lüdenscheidt`);
    /// - after an apostrophe that follows a single letter the next letter is a capital too (`o'brien` →
    ///   `O'Brien`, `d'artois` → `D'Artois`); `’` counts as an apostrophe;
    /// - `ß` stays `ß` (never `SS`), and a capital `ẞ` becomes `ß`; umlauts keep their dots.
    /// `Mc`/`Mac` prefixes are not recognised (`MCDONALD` → `Mcdonald`).
    static func properCase(_ raw: String) -> String? {
        let text = TextNormalizer.collapsed(raw)
        guard !text.isEmpty else { return nil }
        let tokens = text.split(separator: " ")
        var words: [String] = []
        words.reserveCapacity(tokens.count)
        for (index, token) in tokens.enumerated() {
            let lower = token.lowercased()
            if index < tokens.count - 1, particles.contains(lower) {
                words.append(lower)
            } else {
                words.append(capitalizedWord(lower))
            }
        }
        return words.joined(separator: " ")
    }

    /// A lower-cased word with capitals at its start, after hyphens and after `X'`.
    private static func capitalizedWord(_ lower: String) -> String {
        var result = ""
        var capitalizeNext = true
        var lettersSinceBreak = 0
        for character in lower {
            if character == "-" {
                result.append(character)
                capitalizeNext = true
                lettersSinceBreak = 0
            } else if character == "'" || character == "’" {
                result.append(character)
                capitalizeNext = lettersSinceBreak == 1
                lettersSinceBreak = 0
            } else if capitalizeNext && character.isLetter {
                result += upper(character)
                capitalizeNext = false
                lettersSinceBreak += 1
            } else {
                result.append(character)
                if character.isLetter { lettersSinceBreak += 1 }
            }
        }
        return result
    }

    /// The capital of one letter, keeping `ß` (whose upper case would be two letters).
    private static func upper(_ character: Character) -> String {
        if character == "ß" { return "ß" }
        let capital = String(character).uppercased()
        return capital.count == 1 ? capital : String(character)
    }
}
