import Columnar

extension Column {
    /// The rows of `first` followed by the rows of `second`; both must have the same name and type.
    static func concatenating(_ first: Column, _ second: Column) -> Column {
        var result = first
        result.append(contentsOf: second)
        return result
    }

    /// Appends the rows of `other`, which must have this column's name and type.
    ///
    /// Grows this column's buffers in place when nothing else references them (as for a freshly read part of a
    /// file whose capacity was reserved for the whole file): the enum payload is taken out before appending, so
    /// the append does not copy it first.
    mutating func append(contentsOf other: Column) {
        precondition(name == other.name && type == other.type, "appending a different column")
        if validity != nil || other.validity != nil {
            var flags = validity ?? Array(repeating: true, count: count)
            validity = nil
            flags.append(contentsOf: other.validity ?? Array(repeating: true, count: other.count))
            validity = flags
        }
        let current = values
        values = .bool([])  // drop the column's own reference to the payload
        values = Self.appending(current, other.values)
    }

    /// `values` followed by `more`, reusing `values`' buffer when it is uniquely referenced.
    private static func appending(_ values: consuming ColumnValues, _ more: ColumnValues) -> ColumnValues {
        switch (consume values, more) {
        case (.int64(var a), .int64(let b)):
            a.append(contentsOf: b)
            return .int64(a)
        case (.float64(var a), .float64(let b)):
            a.append(contentsOf: b)
            return .float64(a)
        case (.date32(var a), .date32(let b)):
            a.append(contentsOf: b)
            return .date32(a)
        case (.timestamp(var a), .timestamp(let b)):
            a.append(contentsOf: b)
            return .timestamp(a)
        case (.bool(var a), .bool(let b)):
            a.append(contentsOf: b)
            return .bool(a)
        case (.utf8(var a), .utf8(let b)):
            a.append(contentsOf: b)
            return .utf8(a)
        default:
            preconditionFailure("column types differ")
        }
    }
}
