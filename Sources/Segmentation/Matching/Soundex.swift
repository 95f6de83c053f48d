/// American Soundex (as used by the US census since 1920): the phonetic key for names that are not German.
///
/// The first letter is kept; the others are coded `B F P V` → 1, `C G J K Q S X Z` → 2, `D T` → 3, `L` → 4,
/// `M N` → 5, `R` → 6; vowels (`A E I O U Y`) separate equal codes, `H` and `W` do not; equal adjacent codes
/// (including the first letter's) are written once; the key is padded with zeros or cut to four characters.
/// Latin diacritics are folded first (`Ö` → `OE`), other characters ignored.
///
/// `Robert`, `Rupert` → `R163`; `Ashcraft` → `A261`; `Tymczak` → `T522`; `Pfister` → `P236`.
enum Soundex {
    /// The four-character Soundex key of `text`, empty when it has no Latin letter.
    static func code(_ text: String) -> String {
        let letters = TextNormalizer.folded(text).compactMap { scalar -> UInt8? in
            scalar.value >= 0x61 && scalar.value <= 0x7A ? UInt8(scalar.value) : nil
        }
        guard let first = letters.first else { return "" }
        var result = String(Unicode.Scalar(first - 32))
        var previous = digit(first)
        for letter in letters.dropFirst() {
            guard result.unicodeScalars.count < 4 else { break }
            let code = digit(letter)
            switch code {
            case 0: previous = 0
            case 9: break
            default:
                if code != previous { result.unicodeScalars.append(Unicode.Scalar(code + 0x30)) }
                previous = code
            }
        }
        while result.unicodeScalars.count < 4 { result += "0" }
        return result
    }

    /// The Soundex digit of a lower-case letter: 0 for vowels, 9 for `h` and `w`.
    private static func digit(_ letter: UInt8) -> UInt8 {
        switch Unicode.Scalar(letter) {
        case "b", "f", "p", "v": 1
        case "c", "g", "j", "k", "q", "s", "x", "z": 2
        case "d", "t": 3
        case "l": 4
        case "m", "n": 5
        case "r": 6
        case "h", "w": 9
        default: 0
        }
    }
}
