/// A row that could not be used, kept with the reason so nothing is lost silently.
public struct Reject: Sendable, Hashable {
    /// The stage that rejected the row (`extract`, `clean`, …).
    public var stage: String
    /// The canonical table the row belongs to (`customers`, `orders`, `email_events`).
    public var table: String
    /// The source the row came from (a file name or a table), relative to the data directory.
    public var file: String
    /// The 1-based physical line where the record starts, or 0 when the row has no line (a database source).
    public var line: Int64
    /// The field at fault, or the empty string when the whole row is at fault.
    public var field: String
    /// Why the row was rejected, readable by a person.
    public var reason: String
    /// The raw text of the row (or the offending value), truncated to a bounded length.
    public var raw: String

    /// Longest raw text kept per reject, in UTF-8 bytes.
    public static let maximumRawLength = 2_000

    /// Creates a reject; `raw` is truncated to ``maximumRawLength`` bytes on a character boundary.
    public init(stage: String, table: String, file: String, line: Int64, field: String, reason: String, raw: String) {
        self.stage = stage
        self.table = table
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
        if raw.utf8.count > Self.maximumRawLength {
            var truncated = ""
            for character in raw {
                if truncated.utf8.count + character.utf8.count > Self.maximumRawLength { break }
                truncated.append(character)
            }
            self.raw = truncated + "…"
        } else {
            self.raw = raw
        }
    }
}
