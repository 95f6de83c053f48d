/// What `ArrowFileWriter` wrote: the facts a checkpoint manifest records about a table file.
public struct WrittenFile: Sendable, Hashable, Codable {
    /// The final path of the file.
    public var path: String
    /// File size in bytes.
    public var byteCount: Int
    /// SHA-256 of the file's contents, 64 lower-case hexadecimal digits (as `sha256sum` prints it).
    public var sha256: String
    /// Rows in the table.
    public var rowCount: Int
    /// Record batches the rows were split into.
    public var batchCount: Int

    /// Creates a description of a written file.
    public init(path: String, byteCount: Int, sha256: String, rowCount: Int, batchCount: Int) {
        self.path = path
        self.byteCount = byteCount
        self.sha256 = sha256
        self.rowCount = rowCount
        self.batchCount = batchCount
    }
}
