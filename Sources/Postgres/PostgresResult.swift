internal import CLibPQ

/// The rows and command tag of a statement, in PostgreSQL's text format.
///
/// Owns the libpq result and frees it on release. A result never changes after it is created (libpq documents
/// results as read-only and safe to share between threads), hence `@unchecked Sendable`.
public final class PostgresResult: @unchecked Sendable {
    let handle: OpaquePointer

    /// The number of rows returned.
    public let rowCount: Int
    /// The number of columns returned.
    public let columnCount: Int
    /// The column names, in order.
    public let columnNames: [String]
    /// The command tag, such as `SELECT 3`, `INSERT 0 1`, `COPY 1000`, `CREATE TABLE`.
    public let commandTag: String
    /// The rows inserted, updated, deleted, copied or selected, per the command tag; 0 for other commands.
    public let affectedRows: Int

    init(_ handle: OpaquePointer) {
        self.handle = handle
        rowCount = Int(PQntuples(handle))
        columnCount = Int(PQnfields(handle))
        columnNames = (0..<Int32(PQnfields(handle))).map { PQfname(handle, $0).map { String(cString: $0) } ?? "" }
        commandTag = PQcmdStatus(handle).map { String(cString: $0) } ?? ""
        affectedRows = PQcmdTuples(handle).flatMap { Int(String(cString: $0)) } ?? 0
    }

    deinit {
        PQclear(handle)
    }

    /// The index of the first column called `name`, or nil.
    public func columnIndex(named name: String) -> Int? {
        columnNames.firstIndex(of: name)
    }

    /// The type OID of a column (such as 20 for `bigint`, 25 for `text`).
    public func columnTypeOID(_ column: Int) -> UInt32 {
        precondition(column >= 0 && column < columnCount, "column \(column) out of range 0..<\(columnCount)")
        return UInt32(PQftype(handle, Int32(column)))
    }

    /// Whether a value is SQL NULL.
    /// - Precondition: `row` and `column` are in range.
    public func isNull(row: Int, column: Int) -> Bool {
        checkIndex(row: row, column: column)
        return PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    /// A value in PostgreSQL's text format, or nil for NULL.
    /// - Precondition: `row` and `column` are in range.
    public func string(row: Int, column: Int) -> String? {
        withBytes(row: row, column: column) { bytes in bytes.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Calls `body` with a value's text bytes (nil for NULL), valid only during the call.
    func withBytes<R>(row: Int, column: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        checkIndex(row: row, column: column)
        let r = Int32(row)
        let c = Int32(column)
        guard PQgetisnull(handle, r, c) == 0, let value = PQgetvalue(handle, r, c) else { return try body(nil) }
        let length = Int(PQgetlength(handle, r, c))
        return try value.withMemoryRebound(to: UInt8.self, capacity: length) { pointer in
            try body(UnsafeBufferPointer(start: pointer, count: length))
        }
    }

    private func checkIndex(row: Int, column: Int) {
        precondition(row >= 0 && row < rowCount, "row \(row) out of range 0..<\(rowCount)")
        precondition(column >= 0 && column < columnCount, "column \(column) out of range 0..<\(columnCount)")
    }
}
