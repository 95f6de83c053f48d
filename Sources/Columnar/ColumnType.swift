/// The logical type of a column, matching the Arrow types used in checkpoint files.
public enum ColumnType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Arrow `int64`.
    case int64
    /// Arrow `float64` (double).
    case float64
    /// Arrow `utf8` (or `large_utf8` when a column's bytes exceed 2 GiB).
    case utf8
    /// Arrow `date32`: days since 1970-01-01.
    case date32
    /// Arrow `timestamp[us, tz=UTC]`: microseconds since 1970-01-01T00:00:00Z.
    case timestamp
    /// Arrow `bool` (bit-packed on disk).
    case bool
}
