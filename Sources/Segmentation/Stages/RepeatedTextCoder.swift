import Columnar

/// Codes a text column that a stage passes on unchanged (the orders' `category`, the email events' `campaign_id`)
/// against one dictionary for every slice of a table, when its values repeat.
///
/// Whether to code is decided on the first slice with values (at least 2^18 rows in a pipeline run): when its rows
/// hold at most 2^16 distinct values, the column and every later slice of it is coded (a later slice's new values
/// extend the dictionary); otherwise it stays plain text, so a column that starts id-like is not held in a
/// dictionary. (A column repetitive at first and id-like later keeps growing its dictionary; it is still correct,
/// only larger.) A table cut into slices of fewer than 2^16 rows is always coded. Only the rows passed on are coded,
/// so the dictionary holds no value of a rejected row. Used by one stream (one thread) at a time.
final class RepeatedTextCoder {
    let name: String
    /// The most distinct values in the first slice of a coded column.
    static let distinctLimit = 1 << 16

    private enum Decision {
        case undecided
        case plain
        case coded(StringInterner)
    }
    private var decision = Decision.undecided
    /// The interner's strings in ordinal order, extended as values are added (not copied out for every slice).
    private var entries = StringColumn()

    init(_ name: String) {
        self.name = name
    }

    /// The rows `rows` of `column` (plain text, or already coded), coded when this coder codes.
    func gathered(_ column: Column, rows: [Int]) -> Column {
        guard case .utf8(let strings) = column.values else { return column.gathering(rows) }
        if case .undecided = decision, !rows.isEmpty { decide(strings, rows: rows) }
        guard case .coded(let dictionary) = decision else { return column.gathering(rows) }
        let validity = column.validity.map { valid in rows.map { valid[$0] } }
        var codes = [Int32](repeating: -1, count: rows.count)
        strings.withUnsafeStorage { offsets, bytes in
            codes.withUnsafeMutableBufferPointer { codes in
                for (position, row) in rows.enumerated() where validity?[position] ?? true {
                    let value = UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]])
                    let (ordinal, inserted) = dictionary.insert(value)
                    if inserted { entries.append(utf8: value) }
                    codes[position] = Int32(ordinal)
                }
            }
        }
        return Column(
            name: column.name, values: .dictionary(DictionaryColumn(codes: codes, dictionary: entries)),
            validity: validity.flatMap { $0.allSatisfy { $0 } ? nil : $0 })
    }

    private func decide(_ strings: StringColumn, rows: [Int]) {
        let limit = Self.distinctLimit
        let sample = StringInterner(capacity: 64)
        strings.withUnsafeStorage { offsets, bytes in
            for row in rows {
                sample.insert(UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]]))
                if sample.count > limit { break }
            }
        }
        decision = sample.count > limit ? .plain : .coded(StringInterner(capacity: 64))
    }
}
