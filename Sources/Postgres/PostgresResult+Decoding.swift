/// A Swift type that can be decoded from a PostgreSQL value in text format.
public protocol PostgresDecodable {
    /// Decodes a non-NULL value from its text representation, or returns nil when the column's type
    /// (`typeOID`) or the text does not fit this Swift type.
    init?(postgresText text: UnsafeBufferPointer<UInt8>, typeOID: UInt32)
}

extension PostgresResult {
    /// Decodes a non-NULL value.
    ///
    /// `Int64`/`Int`/`Int32` read integer columns (and integral `numeric`), `Double` numeric and float columns,
    /// `Bool` boolean columns, `String` any column (its text form).
    /// - Throws: `PostgresError(.decoding)` when the value is NULL or does not fit `type`.
    /// - Precondition: `row` and `column` are in range.
    public func decode<T: PostgresDecodable>(_ type: T.Type, row: Int, column: Int) throws -> T {
        guard let value = try decodeIfPresent(type, row: row, column: column) else {
            throw PostgresError(
                .decoding,
                "row \(row), column \(describe(column)) is NULL but \(T.self) was requested; "
                    + "use decodeIfPresent or COALESCE in the query")
        }
        return value
    }

    /// Decodes a value, or returns nil for SQL NULL.
    /// - Throws: `PostgresError(.decoding)` when the value does not fit `type`.
    public func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type, row: Int, column: Int) throws -> T? {
        let typeOID = columnTypeOID(column)
        return try withBytes(row: row, column: column) { bytes -> T? in
            guard let bytes else { return nil }
            guard let value = T(postgresText: bytes, typeOID: typeOID) else {
                throw mismatch(T.self, row: row, column: column, bytes: bytes)
            }
            return value
        }
    }

    /// Decodes a non-NULL value of the column called `name`.
    /// - Throws: `PostgresError(.decoding)` when there is no such column, the value is NULL or does not fit.
    public func decode<T: PostgresDecodable>(_ type: T.Type, row: Int, column name: String) throws -> T {
        try decode(type, row: row, column: try index(of: name))
    }

    /// Decodes a value of the column called `name`, or returns nil for SQL NULL.
    public func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type, row: Int, column name: String) throws -> T? {
        try decodeIfPresent(type, row: row, column: try index(of: name))
    }

    /// Decodes a `date` value as days since 1970-01-01, or nil for NULL.
    /// - Throws: `PostgresError(.decoding)` when the column is not a date or the date is BC or infinite.
    public func decodeDate(row: Int, column: Int) throws -> Int32? {
        let typeOID = columnTypeOID(column)
        return try withBytes(row: row, column: column) { bytes -> Int32? in
            guard let bytes else { return nil }
            guard typeOID == PostgresType.date,
                let days = PostgresDateTime.parseDate(bytes)
            else { throw mismatch(Int32.self, row: row, column: column, bytes: bytes, wanted: "a date") }
            return days
        }
    }

    /// Decodes a `timestamptz` (or `timestamp`, read as UTC) as microseconds since the Unix epoch, or nil
    /// for NULL.
    /// - Throws: `PostgresError(.decoding)` when the column is not a timestamp or the value is infinite.
    public func decodeTimestamp(row: Int, column: Int) throws -> Int64? {
        let typeOID = columnTypeOID(column)
        return try withBytes(row: row, column: column) { bytes -> Int64? in
            guard let bytes else { return nil }
            guard
                typeOID == PostgresType.timestamptz || typeOID == PostgresType.timestamp,
                let micros = PostgresDateTime.parseTimestamp(bytes)
            else { throw mismatch(Int64.self, row: row, column: column, bytes: bytes, wanted: "a timestamp") }
            return micros
        }
    }

    private func index(of name: String) throws -> Int {
        guard let index = columnIndex(named: name) else {
            throw PostgresError(
                .decoding, "the result has no column \"\(name)\" (columns: \(columnNames.joined(separator: ", ")))")
        }
        return index
    }

    private func describe(_ column: Int) -> String {
        "\(column) (\"\(columnNames[column])\", \(PostgresType.name(of: columnTypeOID(column))))"
    }

    private func mismatch<T>(
        _ type: T.Type, row: Int, column: Int, bytes: UnsafeBufferPointer<UInt8>, wanted: String? = nil
    ) -> PostgresError {
        var text = String(decoding: bytes, as: UTF8.self)
        if text.count > 40 { text = String(text.prefix(40)) + "…" }
        return PostgresError(
            .decoding,
            "row \(row), column \(describe(column)): \"\(text)\" cannot be decoded as \(wanted ?? "\(T.self)"); "
                + "cast the column in the query or request a matching Swift type")
    }
}

extension PostgresType {
    /// A readable name for a type OID, for messages.
    static func name(of oid: UInt32) -> String {
        switch oid {
        case bool: "boolean"
        case bytea: "bytea"
        case int8: "bigint"
        case int2: "smallint"
        case int4: "integer"
        case text: "text"
        case PostgresType.oid: "oid"
        case json: "json"
        case float4: "real"
        case float8: "double precision"
        case varchar: "varchar"
        case date: "date"
        case timestamp: "timestamp"
        case timestamptz: "timestamptz"
        case numeric: "numeric"
        case jsonb: "jsonb"
        default: "type oid \(oid)"
        }
    }

    static let integerTypes: Set<UInt32> = [int2, int4, int8, oid]
    static let floatTypes: Set<UInt32> = [float4, float8, numeric, int2, int4, int8]
}

/// Parses an optionally signed decimal integer; nil on anything else or overflow.
func parseInteger(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
    guard !bytes.isEmpty else { return nil }
    var index = 0
    let isNegative = bytes[0] == 0x2D
    if isNegative || bytes[0] == 0x2B { index = 1 }
    guard index < bytes.count else { return nil }
    var value: Int64 = 0
    while index < bytes.count {
        let byte = bytes[index]
        guard byte >= 0x30 && byte <= 0x39 else { return nil }
        let digit = Int64(byte - 0x30)
        let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (next, overflow2) =
            isNegative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
        guard !overflow1 && !overflow2 else { return nil }
        value = next
        index += 1
    }
    return value
}

/// Parses a PostgreSQL float or numeric text (`1.5`, `-2e-3`, `NaN`, `Infinity`, `-Infinity`).
func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
    guard !bytes.isEmpty, bytes.count < 400 else { return nil }
    let text = String(decoding: bytes, as: UTF8.self)
    switch text {
    case "NaN": return .nan
    case "Infinity": return .infinity
    case "-Infinity": return -.infinity
    default:
        let allowed = bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x2D || byte == 0x2B || byte == 0x65
                || byte == 0x45
        }
        guard allowed else { return nil }
        return Double(text)
    }
}

extension Int64: PostgresDecodable {
    /// Reads `smallint`, `integer`, `bigint`, `oid`, and integral `numeric` values.
    public init?(postgresText text: UnsafeBufferPointer<UInt8>, typeOID: UInt32) {
        guard PostgresType.integerTypes.contains(typeOID) || typeOID == PostgresType.numeric,
            let value = parseInteger(text)
        else { return nil }
        self = value
    }
}

extension Int: PostgresDecodable {
    /// Reads the same columns as `Int64`.
    public init?(postgresText text: UnsafeBufferPointer<UInt8>, typeOID: UInt32) {
        guard let value = Int64(postgresText: text, typeOID: typeOID), let exact = Int(exactly: value) else {
            return nil
        }
        self = exact
    }
}

extension Int32: PostgresDecodable {
    /// Reads the same columns as `Int64` when the value fits 32 bits.
    public init?(postgresText text: UnsafeBufferPointer<UInt8>, typeOID: UInt32) {
        guard let value = Int64(postgresText: text, typeOID: typeOID), let exact = Int32(exactly: value) else {
            return nil
        }
        self = exact
    }
}

extension Double: PostgresDecodable {
    /// Reads `real`, `double precision`, `numeric` and integer columns, NaN and ±Infinity included.
    public init?(postgresText text: UnsafeBufferPointer<UInt8>, typeOID: UInt32) {
        guard PostgresType.floatTypes.contains(typeOID),
            let value = parseDouble(text)
        else { return nil }
        self = value
    }
}

extension Bool: PostgresDecodable {
    /// Reads `boolean` columns (`t`/`f`).
    public init?(postgresText text: UnsafeBufferPointer<UInt8>, typeOID: UInt32) {
        guard typeOID == PostgresType.bool, text.count == 1 else { return nil }
        switch text[0] {
        case 0x74: self = true  // t
        case 0x66: self = false  // f
        default: return nil
        }
    }
}

extension String: PostgresDecodable {
    /// Reads any column as its text representation.
    public init?(postgresText text: UnsafeBufferPointer<UInt8>, typeOID: UInt32) {
        self = String(decoding: text, as: UTF8.self)
    }
}
