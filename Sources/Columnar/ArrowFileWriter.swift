#if _endian(big)
    #error("Arrow files are written in the host byte order, which must be little-endian")
#endif

/// Writes tables as Arrow IPC files (the "Feather v2" format, uncompressed, metadata version V5), which
/// pyarrow, pandas, Polars and DuckDB open directly.
///
/// Rows are split into record batches of at most `batchRowCount` rows, so 32-bit string offsets suffice;
/// a `utf8` column is written as `large_utf8` only if one batch still holds more than 2 GiB of text.
/// Every field is nullable; a column's validity bitmap is omitted in batches without nulls. Body buffers
/// start at 64-byte boundaries of the file. Table metadata is written as schema custom metadata, sorted
/// by key, so equal tables give byte-identical files.
///
/// The file is written crash-safely through `AtomicFileWriter`.
public struct ArrowFileWriter: Sendable {
    /// The default number of rows per record batch (2^20).
    public static let defaultBatchRowCount = 1 << 20

    /// The maximum number of rows per record batch.
    public var batchRowCount: Int

    /// The string bytes per batch above which a `utf8` column is written as `large_utf8`.
    ///
    /// Above this many bytes in any one batch, the whole column gets 64-bit offsets. Defaults to, and is
    /// capped at, 2^31 - 1, the limit of 32-bit offsets.
    public var largeUTF8Threshold = Int(Int32.max)

    /// The algorithm of the checksum `write` returns.
    public var checksum = ChecksumAlgorithm.xxh64

    /// Whether large buffers are copied into the file on two threads (see ``AtomicFileWriter``): worth it for a
    /// file written while nothing else runs, such as the one big table a stage writes at its end.
    public var fillsInParallel = false

    /// Creates a writer.
    public init(batchRowCount: Int = ArrowFileWriter.defaultBatchRowCount) {
        precondition(batchRowCount > 0, "batchRowCount must be positive")
        self.batchRowCount = batchRowCount
    }

    /// Writes `table` to `path` crash-safely and returns the file's size and checksum.
    ///
    /// - Complexity: O(bytes written); numeric buffers are written straight from the column arrays.
    @discardableResult
    public func write(_ table: Table, to path: String) throws(ColumnarError) -> WrittenFile {
        let rowCount = table.rowCount
        let batchCount = max(1, (rowCount + batchRowCount - 1) / batchRowCount)
        let ranges = (0..<batchCount).map { batch in
            (batch * batchRowCount)..<min(rowCount, (batch + 1) * batchRowCount)
        }
        let threshold = min(largeUTF8Threshold, Int(Int32.max))
        let largeColumns = Set(
            table.columns.filter { column in
                guard case .utf8(let strings) = column.values else { return false }
                return ranges.contains { strings.offsets[$0.upperBound] - strings.offsets[$0.lowerBound] > threshold }
            }.map(\.name))
        let stream = try ArrowStreamWriter(
            path: path, columns: table.columns.map { ($0.name, $0.type) }, metadata: table.metadata,
            largeUTF8Columns: largeColumns, batchRowCount: batchRowCount, checksum: checksum,
            fillsInParallel: fillsInParallel)
        do throws(ColumnarError) {
            for range in ranges { try stream.writeBatch(table, range: range) }
        } catch {
            stream.abandon()
            throw error
        }
        return try stream.finish()
    }
}
