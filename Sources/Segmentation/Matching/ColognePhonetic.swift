import Foundation

/// Kölner Phonetik (Cologne phonetics, Postel 1969): a phonetic key for German names.
///
/// The published rules: letters are coded by context (`A E I J O U Y` → 0, `B` → 1, `P` → 1 or 3 before `H`,
/// `D T` → 2 or 8 before `C S Z`, `F V W` → 3, `G K Q` → 4, `C` → 4 or 8 by position and neighbours, `X` → 48
/// or 8 after `C K Q`, `L` → 5, `M N` → 6, `R` → 7, `S Z` → 8, `H` not coded); runs of the same digit are
/// collapsed, then every `0` except a leading one is removed. Umlauts count as vowels and `ß` as `S`; other
/// Latin diacritics are removed first; characters that are not Latin letters are ignored.
///
/// `Müller`, `Mueller`, `Miller` → `657`; `Meier`, `Meyer`, `Mayr` → `67`; `Müller-Lüdenscheidt` → `65752682`.
enum ColognePhonetic {
    /// The Kölner Phonetik code of `text`, empty when it has no Latin letter.
    static func code(_ text: String) -> String {
        // Umlauts are vowels of their own (a `C` before `Ä` is not a `C` before `A`), so they are coded before
        // folding turns them into two letters.
        var folded: [Unicode.Scalar] = []
        for scalar in TextNormalizer.composedNFC(text).unicodeScalars {
            switch scalar {
            case "ä", "ö", "ü", "Ä", "Ö", "Ü": folded.append("@")
            default: TextNormalizer.appendFolded(scalar, to: &folded)
            }
        }
        let letters = folded.compactMap { scalar -> UInt8? in
            (scalar.value >= 0x61 && scalar.value <= 0x7A) || scalar == "@" ? UInt8(scalar.value) : nil
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(letters.count + 2)
        func emit(_ digit: UInt8) {
            if digits.last != digit { digits.append(digit) }
        }
        for index in letters.indices {
            let letter = letters[index]
            let previous: UInt8 = index > 0 ? letters[index - 1] : 0
            let next: UInt8 = index + 1 < letters.count ? letters[index + 1] : 0
            switch Unicode.Scalar(letter) {
            case "a", "e", "i", "j", "o", "u", "y", "@": emit(0)
            case "h": break
            case "b": emit(1)
            case "p": emit(next == ascii("h") ? 3 : 1)
            case "d", "t": emit(isOne(of: "csz", next) ? 8 : 2)
            case "f", "v", "w": emit(3)
            case "g", "k", "q": emit(4)
            case "c":
                if index == 0 {
                    emit(isOne(of: "ahkloqrux", next) ? 4 : 8)
                } else {
                    emit(!isOne(of: "sz", previous) && isOne(of: "ahkoqux", next) ? 4 : 8)
                }
            case "x":
                if isOne(of: "ckq", previous) {
                    emit(8)
                } else {
                    emit(4)
                    emit(8)
                }
            case "l": emit(5)
            case "m", "n": emit(6)
            case "r": emit(7)
            case "s", "z": emit(8)
            default: break
            }
        }
        var result = ""
        for (index, digit) in digits.enumerated() where digit != 0 || index == 0 {
            result.unicodeScalars.append(Unicode.Scalar(digit + 0x30))
        }
        return result
    }

    private static func ascii(_ character: Unicode.Scalar) -> UInt8 { UInt8(character.value) }

    private static func isOne(of letters: StaticString, _ letter: UInt8) -> Bool {
        guard letter != 0 else { return false }
        return letters.withUTF8Buffer { $0.contains(letter) }
    }
}
