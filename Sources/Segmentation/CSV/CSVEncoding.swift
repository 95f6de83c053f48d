/// The text encoding of a CSV file; fields are always handed out as UTF-8.
public enum CSVEncoding: String, Sendable, Codable, Hashable, CaseIterable {
    /// UTF-8 (a leading byte order mark is skipped); invalid sequences are flagged per record.
    case utf8 = "utf-8"
    /// Windows code page 1252 (Western European, the usual Excel export on Windows), converted to UTF-8.
    case windows1252 = "windows-1252"
    /// ISO 8859-1, converted to UTF-8.
    case latin1 = "latin-1"

    /// Looks an encoding up by a configuration name, ignoring case and the usual spelling variants
    /// (`utf8`, `UTF-8`, `cp1252`, `win-1252`, `iso-8859-1`, `latin1`); `nil` when unknown.
    public init?(name: String) {
        let key = String(name.lowercased().filter { $0 != "-" && $0 != "_" && $0 != " " })
        switch key {
        case "utf8": self = .utf8
        case "windows1252", "cp1252", "win1252": self = .windows1252
        case "latin1", "iso88591", "l1": self = .latin1
        default: return nil
        }
    }
}
