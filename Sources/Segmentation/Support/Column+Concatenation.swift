import Columnar

extension Column {
    /// The rows of `pieces` in order, in buffers allocated once at their total size; every piece must have the
    /// same name and type. `pieces` is emptied as it is copied, so each piece is freed as soon as it is copied.
    static func concatenating(_ pieces: inout [Column]) -> Column {
        precondition(!pieces.isEmpty, "nothing to concatenate")
        // Empty pieces add nothing (and may be plain where the others are coded).
        if pieces.count > 1, pieces.contains(where: { $0.count == 0 }) {
            let first = pieces[0]
            pieces.removeAll { $0.count == 0 }
            if pieces.isEmpty { pieces = [first] }
        }
        guard pieces.count > 1 else { return pieces.removeFirst() }
        let name = pieces[0].name
        let rows = pieces.reduce(0) { $0 + $1.count }
        var validity: [Bool]?
        if pieces.contains(where: { $0.validity != nil }) {
            var flags: [Bool] = []
            flags.reserveCapacity(rows)
            for piece in pieces {
                flags.append(contentsOf: piece.validity ?? Array(repeating: true, count: piece.count))
            }
            validity = flags
        }
        func joined<T>(_ payload: (ColumnValues) -> [T]) -> [T] {
            var result: [T] = []
            result.reserveCapacity(rows)
            for index in pieces.indices {
                result.append(contentsOf: payload(pieces[index].values))
                pieces[index].values = .bool([])
            }
            return result
        }
        let values: ColumnValues
        func mismatch<T>() -> [T] { preconditionFailure("column types differ") }
        switch pieces[0].values {
        case .int64: values = .int64(joined { if case .int64(let v) = $0 { v } else { mismatch() } })
        case .timestamp: values = .timestamp(joined { if case .timestamp(let v) = $0 { v } else { mismatch() } })
        case .float64: values = .float64(joined { if case .float64(let v) = $0 { v } else { mismatch() } })
        case .date32: values = .date32(joined { if case .date32(let v) = $0 { v } else { mismatch() } })
        case .bool: values = .bool(joined { if case .bool(let v) = $0 { v } else { mismatch() } })
        case .dictionary where Self.extendingDictionaries(pieces):
            // Coded against one growing dictionary (slices of one file, or of one stage's output): codes joined.
            var coded = DictionaryColumn(codes: [], dictionary: StringColumn())
            for index in pieces.indices {
                guard case .dictionary(let piece) = pieces[index].values else { preconditionFailure("types differ") }
                coded.append(contentsOf: piece)
                pieces[index].values = .bool([])
            }
            values = .dictionary(coded)
        case .utf8, .dictionary:
            for index in pieces.indices where pieces[index].values.isDictionary {
                pieces[index].values = .utf8(pieces[index].values.strings ?? StringColumn())
            }
            let byteCount = pieces.reduce(0) { total, piece in
                if case .utf8(let strings) = piece.values { total + strings.bytes.count } else { total }
            }
            var strings = StringColumn(capacity: rows, byteCapacity: byteCount)
            for index in pieces.indices {
                guard case .utf8(let piece) = pieces[index].values else { preconditionFailure("column types differ") }
                strings.append(contentsOf: piece)
                pieces[index].values = .bool([])
            }
            values = .utf8(strings)
        }
        pieces = []
        return Column(name: name, values: values, validity: validity)
    }

    /// Whether every piece is dictionary-encoded, each against a dictionary extending the one before.
    private static func extendingDictionaries(_ pieces: [Column]) -> Bool {
        var previous: StringColumn?
        for piece in pieces {
            guard case .dictionary(let coded) = piece.values else { return false }
            if let previous, !coded.dictionary.hasPrefix(previous) { return false }
            previous = coded.dictionary
        }
        return true
    }

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
        case (.dictionary(var a), .dictionary(let b)) where b.dictionary.hasPrefix(a.dictionary):
            a.append(contentsOf: b)
            return .dictionary(a)
        case (let a, let b) where a.type == .utf8 && b.type == .utf8:
            var strings = a.strings ?? StringColumn()
            strings.append(contentsOf: b.strings ?? StringColumn())
            return .utf8(strings)
        default:
            preconditionFailure("column types differ")
        }
    }
}
