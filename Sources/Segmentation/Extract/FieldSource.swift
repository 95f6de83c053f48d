import Postgres

/// One input row whose fields can be read as UTF-8 bytes: a CSV record or a row of COPY output.
protocol FieldSource {
    /// Number of fields in the row.
    var fieldCount: Int { get }
    /// The bytes of field `index`, or nil for a database NULL. The bytes stay valid, unchanged, as long as the row
    /// does: `TypedTableBuilder` checks every field first and copies the text of an accepted row afterwards.
    func bytes(ofField index: Int) -> UnsafeBufferPointer<UInt8>?
}

extension CSVRecord: FieldSource {
    @inline(__always)
    func bytes(ofField index: Int) -> UnsafeBufferPointer<UInt8>? { field(index) }
}

extension CopyTextRow: FieldSource {
    /// The field's bytes in the row's storage, which stays as it is for as long as the row.
    func bytes(ofField index: Int) -> UnsafeBufferPointer<UInt8>? { withBytes(index) { $0 } }
}
