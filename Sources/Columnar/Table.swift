/// An in-memory table: equally long, uniquely named columns.
public struct Table: Sendable, Hashable {
    /// The columns in schema order.
    public private(set) var columns: [Column]
    /// Number of rows (0 for a table without columns).
    public let rowCount: Int
    /// Free-form key/value pairs stored with the table (Arrow schema custom metadata in checkpoint files).
    public var metadata: [String: String]

    /// Creates a table, checking that all columns have the same length and distinct names.
    public init(columns: [Column], metadata: [String: String] = [:]) throws(ColumnarError) {
        let count = columns.first?.count ?? 0
        var names = Set<String>()
        for column in columns {
            guard column.count == count else {
                throw ColumnarError(
                    .schemaMismatch,
                    "column \"\(column.name)\" has \(column.count) rows, expected \(count)")
            }
            guard names.insert(column.name).inserted else {
                throw ColumnarError(.schemaMismatch, "column \"\(column.name)\" appears twice")
            }
        }
        self.columns = columns
        self.rowCount = count
        self.metadata = metadata
    }

    /// The column called `name`, if any.
    public subscript(name: String) -> Column? {
        columns.first { $0.name == name }
    }

    /// Column names in schema order.
    public var columnNames: [String] { columns.map(\.name) }
}
