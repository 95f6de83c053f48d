// Reading and writing tables as Arrow IPC checkpoint files.

extension Table {
    /// Reads a table from an Arrow IPC file (see `ArrowFileReader` for the types accepted).
    ///
    /// With `expectedChecksum`, the file's checksum is verified first (`.checksumMismatch` when it differs).
    public init(readingArrowFile path: String, expectedChecksum: Checksum? = nil) throws(ColumnarError) {
        self = try ArrowFileReader(path: path, expectedChecksum: expectedChecksum).readTable()
    }

    /// Reads only the columns of an Arrow IPC file whose names are in `columns`, in the file's order (names the
    /// file lacks are ignored); the checksum still covers the whole file.
    public init(readingArrowFile path: String, expectedChecksum: Checksum? = nil, columns: Set<String>)
        throws(ColumnarError)
    {
        let reader = try ArrowFileReader(path: path, expectedChecksum: expectedChecksum)
        self = try reader.readTable(columns: reader.columns.map(\.name).filter(columns.contains))
    }

    /// Writes the table to `path` as an Arrow IPC file, crash-safely, and returns its size and checksum;
    /// `fillsInParallel` as in ``ArrowFileWriter``.
    @discardableResult
    public func write(to path: String, checksum: ChecksumAlgorithm = .xxh64, fillsInParallel: Bool = false)
        throws(ColumnarError) -> WrittenFile
    {
        var writer = ArrowFileWriter()
        writer.checksum = checksum
        writer.fillsInParallel = fillsInParallel
        return try writer.write(self, to: path)
    }
}
