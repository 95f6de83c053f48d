import Postgres

/// One input row whose fields can be read as UTF-8 bytes: a CSV record or a row of COPY output.
protocol FieldSource {
    /// Number of fields in the row.
    var fieldCount: Int { get }
    /// Calls `body` with the bytes of field `index`, or nil for a database NULL. The bytes stay valid, unchanged, as
    /// long as the row does: `TypedTableBuilder` checks every field first and copies the text of an accepted row
    /// afterwards.
    func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R
}

extension CSVRecord: FieldSource {
    @inline(__always)
    func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        try body(field(index))
    }
}

extension CopyTextRow: FieldSource {
    func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        try withBytes(index, body)
    }
}
