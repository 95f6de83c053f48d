// Reading and writing tables as Arrow IPC checkpoint files.

extension Table {
    /// Reads a table from an Arrow IPC file (see `ArrowFileReader` for the types accepted).
    ///
    /// With `expectedSHA256`, the file's checksum is verified first (`.checksumMismatch` when it differs).
    public init(readingArrowFile path: String, expectedSHA256: String? = nil) throws(ColumnarError) {
        self = try ArrowFileReader(path: path, expectedSHA256: expectedSHA256).readTable()
    }

    /// Writes the table to `path` as an Arrow IPC file, crash-safely, and returns its size and SHA-256.
    @discardableResult
    public func write(to path: String) throws(ColumnarError) -> WrittenFile {
        try ArrowFileWriter().write(self, to: path)
    }
}
