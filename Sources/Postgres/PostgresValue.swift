/// A value bound to a statement parameter (`$1`, `$2`, …), sent in PostgreSQL's text format.
///
/// Values are always bound, never interpolated into SQL. `.text` and `.json` are sent untyped, so the server
/// infers the type from the context (`$1::date`, a `jsonb` column); the others are sent with their type.
public enum PostgresValue: Sendable, Hashable {
    /// SQL NULL.
    case null
    /// Text; the server infers its type from the context.
    case text(String)
    /// A `bigint`.
    case int64(Int64)
    /// A `double precision`; NaN and ±infinity included.
    case double(Double)
    /// A `boolean`.
    case bool(Bool)
    /// A `date`, as days since 1970-01-01.
    case date(daysSince1970: Int32)
    /// A `timestamptz`, as microseconds since 1970-01-01T00:00:00Z.
    case timestamp(microsecondsSince1970: Int64)
    /// A JSON document as text, for a `json` or `jsonb` parameter.
    case json(String)

    /// The parameter type OID sent with the value (0 lets the server infer it).
    var typeOID: UInt32 {
        switch self {
        case .null, .text, .json: 0
        case .int64: PostgresType.int8
        case .double: PostgresType.float8
        case .bool: PostgresType.bool
        case .date: PostgresType.date
        case .timestamp: PostgresType.timestamptz
        }
    }

    /// The value in PostgreSQL's text input format, or nil for NULL.
    var textRepresentation: String? {
        switch self {
        case .null: nil
        case .text(let value), .json(let value): value
        case .int64(let value): String(value)
        case .double(let value): PostgresDateTime.floatText(value)
        case .bool(let value): value ? "t" : "f"
        case .date(let days): PostgresDateTime.dateText(daysSince1970: days)
        case .timestamp(let micros): PostgresDateTime.timestampText(microsecondsSince1970: micros)
        }
    }
}

/// Type OIDs of the built-in PostgreSQL types segpipe binds and decodes.
enum PostgresType {
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let text: UInt32 = 25
    static let oid: UInt32 = 26
    static let json: UInt32 = 114
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
    static let varchar: UInt32 = 1043
    static let date: UInt32 = 1082
    static let timestamp: UInt32 = 1114
    static let timestamptz: UInt32 = 1184
    static let numeric: UInt32 = 1700
    static let jsonb: UInt32 = 3802
}
