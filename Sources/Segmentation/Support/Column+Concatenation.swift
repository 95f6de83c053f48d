import Columnar

extension Column {
    /// The rows of `first` followed by the rows of `second`; both must have the same name and type.
    static func concatenating(_ first: Column, _ second: Column) -> Column {
        precondition(first.name == second.name && first.type == second.type, "concatenating different columns")
        let values: ColumnValues
        switch (first.values, second.values) {
        case (.int64(let a), .int64(let b)): values = .int64(a + b)
        case (.float64(let a), .float64(let b)): values = .float64(a + b)
        case (.date32(let a), .date32(let b)): values = .date32(a + b)
        case (.timestamp(let a), .timestamp(let b)): values = .timestamp(a + b)
        case (.bool(let a), .bool(let b)): values = .bool(a + b)
        case (.utf8(let a), .utf8(let b)):
            let shift = a.bytes.count
            values = .utf8(StringColumn(offsets: a.offsets + b.offsets.dropFirst().map { $0 + shift }, bytes: a.bytes + b.bytes))
        default: preconditionFailure("column types differ")
        }
        let validity: [Bool]? =
            first.validity == nil && second.validity == nil
            ? nil
            : (first.validity ?? Array(repeating: true, count: first.count))
                + (second.validity ?? Array(repeating: true, count: second.count))
        return Column(name: first.name, values: values, validity: validity)
    }
}
