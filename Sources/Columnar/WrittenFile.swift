/// What `ArrowFileWriter` wrote: the facts a checkpoint manifest records about a table file.
public struct WrittenFile: Sendable, Hashable {
    /// The final path of the file.
    public var path: String
    /// File size in bytes.
    public var byteCount: Int
    /// Checksum of the file's contents.
    public var checksum: Checksum
    /// Rows in the table.
    public var rowCount: Int
    /// Record batches the rows were split into.
    public var batchCount: Int

    /// Creates a description of a written file.
    public init(path: String, byteCount: Int, checksum: Checksum, rowCount: Int, batchCount: Int) {
        self.path = path
        self.byteCount = byteCount
        self.checksum = checksum
        self.rowCount = rowCount
        self.batchCount = batchCount
    }
}
