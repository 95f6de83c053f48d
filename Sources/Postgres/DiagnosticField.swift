/// Field codes of `PQresultErrorField` (libpq's `PG_DIAG_*` character macros, which Swift does not import).
enum DiagnosticField {
    static let severityNonLocalized = Int32(UInt8(ascii: "V"))
    static let sqlState = Int32(UInt8(ascii: "C"))
    static let messagePrimary = Int32(UInt8(ascii: "M"))
    static let messageDetail = Int32(UInt8(ascii: "D"))
    static let messageHint = Int32(UInt8(ascii: "H"))
    static let statementPosition = Int32(UInt8(ascii: "P"))
    static let context = Int32(UInt8(ascii: "W"))
    static let tableName = Int32(UInt8(ascii: "t"))
    static let constraintName = Int32(UInt8(ascii: "n"))
}
