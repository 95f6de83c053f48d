/// Field normalisers used by the clean stage.
enum Normalization {
    /// Trims ASCII and Unicode whitespace at both ends.
    static func trimmed(_ text: String) -> String {
        // Fast path: most values (already trimmed by extract) start and end with a visible ASCII byte.
        if let first = text.utf8.first, let last = text.utf8.last, first > 0x20, first < 0x7F, last > 0x20, last < 0x7F {
            return text
        }
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }

    /// The bytes of `text` without ASCII whitespace at either end, or nil when a non-ASCII byte is at an end (then
    /// Unicode whitespace may be there too: the caller falls back to ``trimmed(_:)`` on a `String`).
    @inline(__always)
    static func asciiTrimmed(_ text: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        var start = 0
        var end = text.count
        while start < end, isASCIIWhitespace(text[start]) { start += 1 }
        while end > start, isASCIIWhitespace(text[end - 1]) { end -= 1 }
        if start < end, text[start] >= 0x80 || text[end - 1] >= 0x80 { return nil }
        return UnsafeBufferPointer(rebasing: text[start..<end])
    }

    /// Space, tab, line feed, vertical tab, form feed, carriage return.
    @inline(__always)
    static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// The normalised email (trimmed, lower-cased) if it is syntactically valid, else nil.
    ///
    /// Valid means: one `@`; a non-empty local part of letters, digits and ``!#$%&'*+-/=?^_`{|}~.`` without
    /// leading, trailing or doubled dots; a domain of at least two dot-separated labels of letters, digits and
    /// hyphens, the last one at least two letters long.
    static func email(_ raw: String) -> String? {
        var text = raw
        if let ascii = text.withUTF8({ asciiEmail($0) }) { return ascii }
        return generalEmail(raw)
    }

    /// ``email(_:)`` for any text, on `String`s and Unicode scalars (the ASCII fast path's reference).
    static func generalEmail(_ raw: String) -> String? {
        let email = trimmed(raw).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64, email.utf8.count <= 254 else {
            return nil
        }
        let local = parts[0]
        let domain = parts[1]
        guard local.unicodeScalars.allSatisfy({ emailLocalCharacters.contains($0) || $0.value > 127 }),
            local.first != ".", local.last != ".", !local.contains("..")
        else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return nil }
        for label in labels {
            guard !label.isEmpty, label.first != "-", label.last != "-",
                label.unicodeScalars.allSatisfy({
                    ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
                })
            else { return nil }
        }
        guard let top = labels.last, top.count >= 2, top.allSatisfy(\.isLetter) else { return nil }
        return email
    }

    /// ``email(_:)`` on the bytes of an all-ASCII text, without building intermediate strings: `.some(nil)` when
    /// invalid, nil when the text has a non-ASCII byte (the caller takes the general path).
    static func asciiEmail(_ text: UnsafeBufferPointer<UInt8>) -> String?? {
        for byte in text where byte >= 0x80 { return nil }
        var start = 0
        var end = text.count
        while start < end, isASCIIWhitespace(text[start]) { start += 1 }
        while end > start, isASCIIWhitespace(text[end - 1]) { end -= 1 }
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        func isLetter(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(lower(byte)) }
        func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
        let at = UInt8(ascii: "@")
        let dot = UInt8(ascii: ".")
        let hyphen = UInt8(ascii: "-")
        guard let separator = (start..<end).first(where: { text[$0] == at }),
            !(separator + 1..<end).contains(where: { text[$0] == at })
        else { return .some(nil) }
        guard separator > start, separator - start <= 64, end - start <= 254 else { return .some(nil) }
        // Local part: allowed characters, no dot at either end, no two dots in a row.
        guard text[start] != dot, text[separator - 1] != dot else { return .some(nil) }
        for position in start..<separator {
            let byte = text[position]
            guard isLetter(byte) || isDigit(byte) || emailLocalSymbols[Int(byte)] else { return .some(nil) }
            if byte == dot && position > start && text[position - 1] == dot { return .some(nil) }
        }
        // Domain: at least two labels of letters, digits and inner hyphens; the last of two letters or more.
        var labelStart = separator + 1
        var labels = 0
        for position in (separator + 1)...end where position == end || text[position] == dot {
            guard position > labelStart, text[labelStart] != hyphen, text[position - 1] != hyphen else {
                return .some(nil)
            }
            for index in labelStart..<position where !(isLetter(text[index]) || isDigit(text[index])) {
                guard text[index] == hyphen else { return .some(nil) }
            }
            labels += 1
            if position == end {
                guard position - labelStart >= 2, (labelStart..<position).allSatisfy({ isLetter(text[$0]) }) else {
                    return .some(nil)
                }
            }
            labelStart = position + 1
        }
        guard labels >= 2 else { return .some(nil) }
        return .some(
            String(unsafeUninitializedCapacity: end - start) { output in
                for position in start..<end { output[position - start] = lower(text[position]) }
                return end - start
            })
    }

    /// The ASCII symbols allowed in the local part of an email address, by byte.
    private static let emailLocalSymbols: [Bool] = {
        var allowed = [Bool](repeating: false, count: 256)
        for byte in "!#$%&'*+-/=?^_`{|}~.".utf8 { allowed[Int(byte)] = true }
        return allowed
    }()

    /// Characters allowed in the local part of an email address (besides non-ASCII ones).
    private static let emailLocalCharacters = Set(
        "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~.".unicodeScalars)

    /// ISO 3166-1 alpha-2 code for common spellings of European countries (names in German, English and the
    /// country's own language, alpha-2 and alpha-3 codes); other values are upper-cased as given.
    static func country(_ raw: String) -> String? {
        let value = trimmed(raw)
        guard !value.isEmpty else { return nil }
        let key = value.lowercased()
        if let code = countryCodes[key] { return code }
        return value.count == 2 ? value.uppercased() : value
    }

    private static let countryCodes: [String: String] = {
        let table: [String: [String]] = [
            "DE": ["de", "deu", "ger", "deutschland", "germany", "bundesrepublik deutschland", "brd", "allemagne"],
            "AT": ["at", "aut", "österreich", "oesterreich", "austria", "autriche"],
            "CH": ["ch", "che", "schweiz", "switzerland", "suisse", "svizzera"],
            "NL": ["nl", "nld", "niederlande", "netherlands", "nederland", "holland", "pays-bas"],
            "FR": ["fr", "fra", "frankreich", "france"],
            "BE": ["be", "bel", "belgien", "belgium", "belgique", "belgië"],
            "LU": ["lu", "lux", "luxemburg", "luxembourg"],
            "IT": ["it", "ita", "italien", "italy", "italia"],
            "ES": ["es", "esp", "spanien", "spain", "españa"],
            "PL": ["pl", "pol", "polen", "poland", "polska"],
            "DK": ["dk", "dnk", "dänemark", "denmark", "danmark"],
            "CZ": ["cz", "cze", "tschechien", "czechia", "czech republic", "česko"],
            "GB": ["gb", "gbr", "uk", "großbritannien", "united kingdom", "great britain", "vereinigtes königreich"],
            "US": ["us", "usa", "vereinigte staaten", "united states", "united states of america"],
        ]
        var codes: [String: String] = [:]
        for (code, names) in table {
            for name in names { codes[name] = code }
        }
        return codes
    }()
}
