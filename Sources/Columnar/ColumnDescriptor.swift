/// The name and type of one column, as recorded in a checkpoint file's schema.
public struct ColumnDescriptor: Sendable, Hashable, Codable {
    /// Column name.
    public var name: String
    /// Logical type the column reads as.
    public var type: ColumnType
    /// Whether the schema allows nulls (segpipe writes every field as nullable).
    public var isNullable: Bool

    /// Creates a descriptor.
    public init(name: String, type: ColumnType, isNullable: Bool = true) {
        self.name = name
        self.type = type
        self.isNullable = isNullable
    }
}
