import Columnar
import Postgres

/// Binary `COPY … FROM STDIN` of columnar data: the load stage's write path, also measured by `segpipe bench load`.
enum BinaryTableCopy {
    /// Copies `columns` (all of `rowCount` rows) into `qualifiedTable`'s `columnNames`, optionally with a constant
    /// text value (such as the run id) as the first column of every row; returns rows and bytes sent.
    ///
    /// With `freeze`, the rows are written frozen (`COPY … FREEZE`: already visible to every later transaction, so
    /// neither the first queries nor vacuum rewrite their pages); the table must have been created or truncated in
    /// the current transaction.
    ///
    /// `onRowsSent` is called with the number of rows in each chunk sent, for progress reports.
    /// - Complexity: O(rows · columns); sends 1 MiB chunks.
    static func copy(
        _ columns: [Column], rowCount: Int, into qualifiedTable: String, columnNames: [String],
        leading: (name: String, value: String)? = nil, freeze: Bool = false, connection: PostgresConnection,
        onRowsSent: (Int) -> Void = { _ in }
    ) throws -> (rows: Int, bytes: Int) {
        let names = (leading.map { [$0.name] } ?? []) + columnNames
        let columnList = names.map(PostgresIdentifier.quote).joined(separator: ", ")
        let sql = "COPY \(qualifiedTable) (\(columnList)) FROM STDIN (FORMAT binary\(freeze ? ", FREEZE" : ""))"
        let leadingBytes = leading.map { Array($0.value.utf8) }
        var sent = 0
        var rowsSent = 0
        let rows = try connection.copyIn(sql) { writer in
            var encoder = BinaryCopyEncoder()
            encoder.writeHeader()
            for row in 0..<rowCount {
                encoder.beginRow(fieldCount: names.count)
                leadingBytes?.withUnsafeBufferPointer { encoder.writeText($0) }
                for column in columns {
                    guard column.isValid(row) else {
                        encoder.writeNull()
                        continue
                    }
                    switch column.values {
                    case .utf8(let strings): strings.withUTF8(at: row) { encoder.writeText($0) }
                    case .dictionary(let coded): coded.withUTF8(at: row) { encoder.writeText($0) }
                    case .int64(let values): encoder.writeInt64(values[row])
                    case .float64(let values): encoder.writeDouble(values[row])
                    case .date32(let values): encoder.writeDate(daysSince1970: values[row])
                    case .timestamp(let values): encoder.writeTimestamp(microsecondsSince1970: values[row])
                    case .bool(let values): encoder.writeBool(values[row])
                    }
                }
                if encoder.byteCount >= 1 << 20 {
                    sent += encoder.byteCount
                    try writer.write(encoder.bytes)
                    encoder.removeAll()
                    onRowsSent(row + 1 - rowsSent)
                    rowsSent = row + 1
                }
            }
            encoder.writeTrailer()
            sent += encoder.byteCount
            try writer.write(encoder.bytes)
            if rowCount > rowsSent { onRowsSent(rowCount - rowsSent) }
        }
        return (rows, sent)
    }
}
