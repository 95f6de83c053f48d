/// The typed values of one column.
public enum ColumnValues: Sendable, Hashable {
    case int64([Int64])
    case float64([Double])
    case utf8(StringColumn)
    /// Text as codes into a dictionary of strings (Arrow's dictionary-encoded `utf8`); its type is `.utf8`.
    case dictionary(DictionaryColumn)
    /// Days since 1970-01-01.
    case date32([Int32])
    /// Microseconds since 1970-01-01T00:00:00Z.
    case timestamp([Int64])
    case bool([Bool])

    /// The logical type of these values.
    public var type: ColumnType {
        switch self {
        case .int64: .int64
        case .float64: .float64
        case .utf8, .dictionary: .utf8
        case .date32: .date32
        case .timestamp: .timestamp
        case .bool: .bool
        }
    }

    /// Number of values (null slots included).
    public var count: Int {
        switch self {
        case .int64(let values): values.count
        case .float64(let values): values.count
        case .utf8(let values): values.count
        case .dictionary(let values): values.count
        case .date32(let values): values.count
        case .timestamp(let values): values.count
        case .bool(let values): values.count
        }
    }
}

/// A named, typed column with optional nulls.
///
/// A null slot still holds a value in `values` (zero or the empty string); `validity[i] == false` marks it null.
/// `validity == nil` means every value is present.
public struct Column: Sendable, Hashable {
    /// Column name as written to the checkpoint schema.
    public var name: String
    /// The values, null slots included.
    public var values: ColumnValues
    /// Per-row presence, or `nil` when no value is null.
    public var validity: [Bool]?

    /// Creates a column; `validity`, when given, must have one entry per value.
    public init(name: String, values: ColumnValues, validity: [Bool]? = nil) {
        precondition(validity == nil || validity?.count == values.count, "validity length differs from values")
        self.name = name
        self.values = values
        self.validity = validity
    }

    /// The column's logical type.
    public var type: ColumnType { values.type }

    /// Number of rows.
    public var count: Int { values.count }

    /// Number of null slots.
    public var nullCount: Int { validity.map { $0.lazy.filter { !$0 }.count } ?? 0 }

    /// Whether row `index` holds a value.
    @inlinable
    public func isValid(_ index: Int) -> Bool { validity?[index] ?? true }
}

extension ColumnValues {
    /// The values of a text column as plain strings (a dictionary-encoded one decoded), nil for other types.
    public var strings: StringColumn? {
        switch self {
        case .utf8(let strings): strings
        case .dictionary(let coded): coded.decoded()
        default: nil
        }
    }
}

extension ColumnValues {
    /// Whether these are dictionary-encoded text.
    public var isDictionary: Bool {
        if case .dictionary = self { return true }
        return false
    }
}
