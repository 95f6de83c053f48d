/// Postal codes validated and written in each country's standard form.
enum PostalCodeNormalizer {
    /// The countries whose postal codes are validated.
    static let supportedCountries: Set<String> = [
        "DE", "AT", "CH", "NL", "FR", "BE", "LU", "IT", "ES", "PL", "DK", "CZ",
    ]

    /// The postal code in its standard form for `country` (ISO 3166-1 alpha-2), or nil when it is invalid there.
    ///
    /// Whitespace is collapsed and a country prefix such as `D-`, `A-`, `CH-`, `L-` or `NL-` is dropped first.
    /// - DE, FR, IT: five digits (`01067`); ES: five digits starting 01…52; AT, CH, BE, LU, DK: four digits
    ///   (AT, CH, BE, LU, DK not starting with 0).
    /// - NL: four digits (first not 0) and two letters other than `SA`, `SD`, `SS`, written `1234 AB`
    ///   (`1234ab` → `1234 AB`).
    /// - PL: `12-345` (`12345` → `12-345`); CZ: `123 45` (`12345` → `123 45`).
    /// - Any other country: the collapsed, upper-cased text, unvalidated (nil only when empty).
    static func normalized(_ raw: String, country: String) -> String? {
        let countryCode = country.uppercased()
        var text = TextNormalizer.collapsed(raw).uppercased()
        for prefix in ["D-", "A-", "CH-", "NL-", "F-", "B-", "L-", "I-", "E-", "PL-", "DK-", "CZ-"]
        where text.hasPrefix(prefix) {
            text.removeFirst(prefix.count)
            text = TextNormalizer.collapsed(text)
            break
        }
        guard !text.isEmpty else { return nil }
        guard supportedCountries.contains(countryCode) else { return text }
        let compact = text.filter { $0 != " " && $0 != "-" }
        let digits = compact.prefix { $0.isASCII && $0.isNumber }
        let rest = compact.dropFirst(digits.count)
        switch countryCode {
        case "DE", "FR", "IT":
            return rest.isEmpty && digits.count == 5 && text == compact ? String(digits) : nil
        case "ES":
            guard rest.isEmpty, digits.count == 5, text == compact, let province = Int(digits.prefix(2)),
                (1...52).contains(province)
            else { return nil }
            return String(digits)
        case "AT", "CH", "BE", "LU", "DK":
            return rest.isEmpty && digits.count == 4 && text == compact && digits.first != "0" ? String(digits) : nil
        case "NL":
            guard digits.count == 4, digits.first != "0", rest.count == 2,
                rest.allSatisfy({ $0.isASCII && $0.isLetter }), !["SA", "SD", "SS"].contains(String(rest)),
                text == compact || text == String(digits) + " " + rest
            else { return nil }
            return String(digits) + " " + rest
        case "PL":
            guard rest.isEmpty, digits.count == 5, text == compact || text == digits.prefix(2) + "-" + digits.suffix(3)
            else { return nil }
            return digits.prefix(2) + "-" + digits.suffix(3)
        case "CZ":
            guard rest.isEmpty, digits.count == 5, text == compact || text == digits.prefix(3) + " " + digits.suffix(2)
            else { return nil }
            return digits.prefix(3) + " " + digits.suffix(2)
        default:
            return text
        }
    }
}
