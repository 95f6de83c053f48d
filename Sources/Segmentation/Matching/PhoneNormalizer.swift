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
