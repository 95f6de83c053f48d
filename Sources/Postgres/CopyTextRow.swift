/// One row of text-format COPY data, with typed accessors that parse the unescaped field bytes.
///
/// Accessors return nil for NULL and throw `PostgresError(.decoding)` naming the row and field when a value
/// does not parse. Dates use ISO DateStyle (the connection sets it).
public struct CopyTextRow {
    private let storage: [UInt8]
    private let ends: [Int]
    private let nulls: [Bool]
    /// The 1-based number of this row in the COPY data.
    public let rowNumber: Int

    init(storage: [UInt8], ends: [Int], nulls: [Bool], rowNumber: Int) {
        self.storage = storage
        self.ends = ends
        self.nulls = nulls
        self.rowNumber = rowNumber
    }

    /// The number of fields in the row.
    public var fieldCount: Int { ends.count }

    /// Whether a field is NULL (`\N`).
    public func isNull(_ field: Int) -> Bool {
        checkIndex(field)
        return nulls[field]
    }

    /// Calls `body` with a field's unescaped bytes, or nil for NULL.
    public func withBytes<R>(_ field: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        checkIndex(field)
        if nulls[field] { return try body(nil) }
        let start = field == 0 ? 0 : ends[field - 1]
        return try storage.withUnsafeBufferPointer { buffer in
            try body(UnsafeBufferPointer(rebasing: buffer[start..<ends[field]]))
        }
    }

    /// A field as a string, or nil for NULL.
    public func string(_ field: Int) -> String? {
        withBytes(field) { bytes in bytes.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// A field as an integer, or nil for NULL.
    public func int64(_ field: Int) throws -> Int64? {
        try parse(field, "an integer", parseInteger)
    }

    /// A field as a double (NaN and ±Infinity included), or nil for NULL.
    public func double(_ field: Int) throws -> Double? {
        try parse(field, "a number", parseDouble)
    }

    /// A field as a boolean (`t`/`f`), or nil for NULL.
    public func bool(_ field: Int) throws -> Bool? {
        try parse(field, "a boolean (t or f)") { bytes in
            bytes.count == 1 ? (bytes[0] == 0x74 ? true : bytes[0] == 0x66 ? false : nil) : nil
        }
    }

    /// A `date` field as days since 1970-01-01, or nil for NULL.
    public func date(_ field: Int) throws -> Int32? {
        try parse(field, "a date (YYYY-MM-DD)", PostgresDateTime.parseDate)
    }

    /// A `timestamptz` field as microseconds since the Unix epoch (a `timestamp` without offset is read as
    /// UTC), or nil for NULL.
    public func timestamp(_ field: Int) throws -> Int64? {
        try parse(field, "a timestamp (YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM]])", PostgresDateTime.parseTimestamp)
    }

    private func parse<T>(
        _ field: Int, _ wanted: String, _ parser: (UnsafeBufferPointer<UInt8>) -> T?
    ) throws -> T? {
        try withBytes(field) { bytes -> T? in
            guard let bytes else { return nil }
            guard let value = parser(bytes) else {
                var text = String(decoding: bytes, as: UTF8.self)
                if text.count > 40 { text = String(text.prefix(40)) + "…" }
                throw PostgresError(
                    .decoding, "COPY row \(rowNumber), field \(field + 1): \"\(text)\" is not \(wanted)")
            }
            return value
        }
    }

    private func checkIndex(_ field: Int) {
        precondition(field >= 0 && field < ends.count, "field \(field) out of range 0..<\(ends.count)")
    }
}
