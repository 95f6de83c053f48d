import Columnar

extension Table {
    /// The column called `name`, or a checkpoint error naming the missing column.
    func requireColumn(_ name: String) throws(PipelineError) -> Column {
        guard let column = self[name] else {
            throw PipelineError(
                .checkpoint, "table has no column \"\(name)\" (columns: \(columnNames.joined(separator: ", ")))")
        }
        return column
    }

    /// The strings of a utf8 column (a dictionary-encoded one decoded; see ``coded(_:)`` to keep its codes).
    func strings(_ name: String) throws(PipelineError) -> StringColumn {
        let column = try requireColumn(name)
        guard let values = column.values.strings else { throw typeError(name, column, .utf8) }
        return values
    }

    /// A text column as codes into a dictionary: a dictionary-encoded column as it is, a plain one with each
    /// distinct string coded once (in order of first appearance).
    func coded(_ name: String) throws(PipelineError) -> DictionaryColumn {
        let column = try requireColumn(name)
        switch column.values {
        case .dictionary(let coded): return coded
        case .utf8(let strings): return DictionaryColumn(coding: strings)
        default: throw typeError(name, column, .utf8)
        }
    }

    /// The values of an int64 column.
    func int64s(_ name: String) throws(PipelineError) -> [Int64] {
        let column = try requireColumn(name)
        guard case .int64(let values) = column.values else { throw typeError(name, column, .int64) }
        return values
    }

    /// The values of a float64 column.
    func doubles(_ name: String) throws(PipelineError) -> [Double] {
        let column = try requireColumn(name)
        guard case .float64(let values) = column.values else { throw typeError(name, column, .float64) }
        return values
    }

    /// The values of a date32 column.
    func dates(_ name: String) throws(PipelineError) -> [Int32] {
        let column = try requireColumn(name)
        guard case .date32(let values) = column.values else { throw typeError(name, column, .date32) }
        return values
    }

    /// The values of a timestamp column (µs since the epoch).
    func timestamps(_ name: String) throws(PipelineError) -> [Int64] {
        let column = try requireColumn(name)
        guard case .timestamp(let values) = column.values else { throw typeError(name, column, .timestamp) }
        return values
    }

    /// The validity of a column (`nil` when every value is present).
    func validity(_ name: String) throws(PipelineError) -> [Bool]? {
        try requireColumn(name).validity
    }

    /// The columns of a new table with the rows at `indices`, in that order, where the columns named in
    /// `replacements` are taken from there instead (already holding exactly those rows) and not gathered.
    func gathering(_ indices: [Int], replacing replacements: [String: Column]) -> [Column] {
        columns.map { column in
            if let replacement = replacements[column.name] { return replacement }
            return column.gathering(indices)
        }
    }

    /// A new table with the rows at `indices`, in that order.
    func gathering(_ indices: [Int]) -> Table {
        if indices.count == rowCount, indices.elementsEqual(0..<rowCount) { return self }
        let gathered = columns.map { $0.gathering(indices) }
        // Gathering keeps names and equal lengths, so the table invariants still hold.
        return (try? Table(columns: gathered)) ?? self
    }

    private func typeError(_ name: String, _ column: Column, _ expected: ColumnType) -> PipelineError {
        PipelineError(.checkpoint, "column \"\(name)\" has type \(column.type), expected \(expected)")
    }
}

extension ColumnValues {
    /// The values at `indices`, in that order.
    func gathering(_ indices: [Int]) -> ColumnValues {
        switch self {
        case .int64(let values): .int64(indices.map { values[$0] })
        case .float64(let values): .float64(indices.map { values[$0] })
        case .utf8(let values): .utf8(values.gathering(indices))
        case .dictionary(let values): .dictionary(values.gathering(indices))
        case .date32(let values): .date32(indices.map { values[$0] })
        case .timestamp(let values): .timestamp(indices.map { values[$0] })
        case .bool(let values): .bool(indices.map { values[$0] })
        }
    }
}

extension Column {
    /// The rows at `indices`, in that order.
    func gathering(_ indices: [Int]) -> Column {
        if indices.count == count, indices.elementsEqual(0..<count) { return self }
        return Column(
            name: name, values: values.gathering(indices), validity: validity.map { valid in indices.map { valid[$0] } }
        )
    }
}
