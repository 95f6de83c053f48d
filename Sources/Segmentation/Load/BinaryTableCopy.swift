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
        precondition(
            columnNames.count == columns.count, "\(columnNames.count) column names for \(columns.count) columns")
        let names = (leading.map { [$0.name] } ?? []) + columnNames
        let columnList = names.map(PostgresIdentifier.quote).joined(separator: ", ")
        let sql = "COPY \(qualifiedTable) (\(columnList)) FROM STDIN (FORMAT binary\(freeze ? ", FREEZE" : ""))"
        let leadingBytes = leading.map { Array($0.value.utf8) }
        var sent = 0
        var rowsSent = 0
        let rows = try connection.copyIn(sql) { writer in
            var encoder = BinaryCopyEncoder()
            encoder.writeHeader()
            try encodeRows(columns, rowCount: rowCount, leading: leadingBytes, into: &encoder) { encoder, encoded in
                sent += encoder.byteCount
                try encoder.withUnsafeBytes { try writer.write($0) }
                encoder.removeAll()
                onRowsSent(encoded - rowsSent)
                rowsSent = encoded
            }
            encoder.writeTrailer()
            sent += encoder.byteCount
            try encoder.withUnsafeBytes { try writer.write($0) }
            if rowCount > rowsSent { onRowsSent(rowCount - rowsSent) }
        }
        return (rows, sent)
    }

    /// Encodes rows `0..<rowCount` of `columns`, each after the text field `leading` when given, into `encoder`;
    /// whenever it holds `chunkBytes` or more, calls `flush` with the rows encoded so far (`flush` empties it).
    ///
    /// Each row is written at once into space reserved for it (`BinaryCopyEncoder.writeRow`), from raw views of
    /// the columns: the fixed-width fields' largest size is counted once per table, only the text fields' lengths
    /// per row.
    static func encodeRows(
        _ columns: [Column], rowCount: Int, leading: [UInt8]?, into encoder: inout BinaryCopyEncoder,
        chunkBytes: Int = 1 << 20, flush: (inout BinaryCopyEncoder, _ rowsEncoded: Int) throws -> Void
    ) throws {
        for column in columns {
            // The rows are read through unchecked pointers.
            precondition(
                column.count >= rowCount && (column.validity?.count ?? rowCount) >= rowCount,
                "column \(column.name) holds fewer than \(rowCount) rows")
        }
        let fieldCount = columns.count + (leading == nil ? 0 : 1)
        let leadingSize = leading.map { BinaryCopyEncoder.fieldSize(valueSize: $0.count) } ?? 0
        try withFields(columns[...], []) { fields in
            let fixedSize = fields.reduce(2 + leadingSize) { $0 + ($1.fixedSize ?? 0) }
            let textFields = fields.filter { $0.fixedSize == nil }
            for row in 0..<rowCount {
                var size = fixedSize
                for field in textFields { size += BinaryCopyEncoder.fieldSize(valueSize: field.text(row).count) }
                encoder.writeRow(fieldCount: fieldCount, maximumByteCount: size) { writer in
                    leading?.withUnsafeBufferPointer { writer.writeText($0) }
                    for field in fields { field.write(row, into: &writer) }
                }
                if encoder.byteCount >= chunkBytes { try flush(&encoder, row + 1) }
            }
        }
    }

    /// A column's values as raw views: switching on one per row and field costs no reference counting (switching
    /// on `ColumnValues` retains and releases the array inside for every value).
    private enum FieldSource {
        case text(offsets: UnsafeBufferPointer<Int>, bytes: UnsafeBufferPointer<UInt8>)
        case coded(
            codes: UnsafeBufferPointer<Int32>, offsets: UnsafeBufferPointer<Int>, bytes: UnsafeBufferPointer<UInt8>)
        case int64(UnsafeBufferPointer<Int64>)
        case float64(UnsafeBufferPointer<Double>)
        case date32(UnsafeBufferPointer<Int32>)
        case timestamp(UnsafeBufferPointer<Int64>)
        case bool(UnsafeBufferPointer<Bool>)
    }

    private struct Field {
        var source: FieldSource
        var validity: UnsafeBufferPointer<Bool>?

        /// The text of row `row` (a code of -1 reads as the empty string); only for text sources.
        @inline(__always)
        func text(_ row: Int) -> UnsafeBufferPointer<UInt8> {
            switch source {
            case .text(let offsets, let bytes):
                return UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]])
            case .coded(let codes, let offsets, let bytes):
                let code = Int(codes[row])
                guard code >= 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
                return UnsafeBufferPointer(rebasing: bytes[offsets[code]..<offsets[code + 1]])
            default:
                return UnsafeBufferPointer(start: nil, count: 0)
            }
        }

        /// Bytes a value of this field takes in binary COPY, nil for text (a null takes fewer); a text field takes
        /// `fieldSize(valueSize:)` of its UTF-8 length (a null's empty slot: the size of a null).
        var fixedSize: Int? {
            switch source {
            case .text, .coded: return nil
            case .int64, .float64, .timestamp: return BinaryCopyEncoder.fieldSize(valueSize: 8)
            case .date32: return BinaryCopyEncoder.fieldSize(valueSize: 4)
            case .bool: return BinaryCopyEncoder.fieldSize(valueSize: 1)
            }
        }

        /// Writes row `row` of this field.
        @inline(__always)
        func write(_ row: Int, into writer: inout BinaryCopyEncoder.RowWriter) {
            if let validity, !validity[row] { return writer.writeNull() }
            switch source {
            case .text, .coded: writer.writeText(text(row))
            case .int64(let values): writer.writeInt64(values[row])
            case .float64(let values): writer.writeDouble(values[row])
            case .date32(let values): writer.writeDate(daysSince1970: values[row])
            case .timestamp(let values): writer.writeTimestamp(microsecondsSince1970: values[row])
            case .bool(let values): writer.writeBool(values[row])
            }
        }
    }

    /// Calls `body` with raw views of `columns` (after `fields`), valid during the call.
    private static func withFields(
        _ columns: ArraySlice<Column>, _ fields: [Field], _ body: ([Field]) throws -> Void
    ) throws {
        guard let column = columns.first else { return try body(fields) }
        let rest = columns.dropFirst()
        func next(_ source: FieldSource) throws {
            guard let validity = column.validity else {
                return try withFields(rest, fields + [Field(source: source, validity: nil)], body)
            }
            try validity.withUnsafeBufferPointer { flags in
                try withFields(rest, fields + [Field(source: source, validity: flags)], body)
            }
        }
        switch column.values {
        case .utf8(let strings):
            try strings.withUnsafeStorage { offsets, bytes in try next(.text(offsets: offsets, bytes: bytes)) }
        case .dictionary(let coded):
            try coded.codes.withUnsafeBufferPointer { codes in
                try coded.dictionary.withUnsafeStorage { offsets, bytes in
                    try next(.coded(codes: codes, offsets: offsets, bytes: bytes))
                }
            }
        case .int64(let values): try values.withUnsafeBufferPointer { try next(.int64($0)) }
        case .float64(let values): try values.withUnsafeBufferPointer { try next(.float64($0)) }
        case .date32(let values): try values.withUnsafeBufferPointer { try next(.date32($0)) }
        case .timestamp(let values): try values.withUnsafeBufferPointer { try next(.timestamp($0)) }
        case .bool(let values): try values.withUnsafeBufferPointer { try next(.bool($0)) }
        }
    }
}
