/// What a stage's total work is counted in, for the share done and the ETA on a progress line.
public enum ProgressUnit: Sendable, Hashable {
    /// Rows, as reported by ``ProgressReporter/rowsProcessed(_:)`` (the load: rows of the tables to copy).
    case rows
    /// Bytes of input, as reported by ``ProgressReporter/bytesProcessed(_:)`` (extract: the sizes of the input
    /// files on disk, compressed for `.gz` files).
    case bytes
}
