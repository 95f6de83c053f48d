/// How a CSV file is written: delimiter, quote character, header line and text encoding.
public struct CSVDialect: Sendable, Codable, Hashable {
    /// The byte separating fields: `,`, `;`, tab or `|`.
    public var delimiter: UInt8
    /// The byte enclosing fields that contain delimiters, quotes or line breaks (default `"`).
    public var quote: UInt8
    /// Whether the first non-blank line names the columns.
    public var hasHeader: Bool
    /// The text encoding of the file.
    public var encoding: CSVEncoding

    /// Creates a dialect; the default is RFC 4180 (comma, double quote, header, UTF-8).
    public init(
        delimiter: UInt8 = UInt8(ascii: ","), quote: UInt8 = UInt8(ascii: "\""), hasHeader: Bool = true,
        encoding: CSVEncoding = .utf8
    ) {
        self.delimiter = delimiter
        self.quote = quote
        self.hasHeader = hasHeader
        self.encoding = encoding
    }

    /// Comma-separated UTF-8 with a header (RFC 4180).
    public static let rfc4180 = CSVDialect()
    /// Semicolon-separated Windows-1252 with a header, as German Excel exports it.
    public static let germanExcel = CSVDialect(delimiter: UInt8(ascii: ";"), encoding: .windows1252)
    /// Tab-separated UTF-8 with a header.
    public static let tabSeparated = CSVDialect(delimiter: UInt8(ascii: "\t"))

    /// The delimiter byte for a configuration name: `,`, `;`, `|`, `tab` (or a tab character); `nil` when unknown.
    public static func delimiterByte(named name: String) -> UInt8? {
        switch name.lowercased() {
        case ",", "comma": UInt8(ascii: ",")
        case ";", "semicolon": UInt8(ascii: ";")
        case "|", "pipe": UInt8(ascii: "|")
        case "\t", "tab", "\\t": UInt8(ascii: "\t")
        default: nil
        }
    }
}
