import Columnar
import Postgres
import Testing

@testable import Segmentation

/// The load's row encoding from raw column views gives the bytes of the per-field encoder, nulls included.
@Suite struct BinaryTableCopyTests {
    @Test func rowsEncodedFromColumnViewsEqualFieldByFieldEncoding() throws {
        let columns = [
            Column(
                name: "id", values: .utf8(StringColumn(["a", "", "Zoë", "d"])), validity: [true, true, true, false]),
            Column(
                name: "segment",
                values: .dictionary(DictionaryColumn(codes: [1, -1, 0, 1], dictionary: StringColumn(["x", "yy"]))),
                validity: [true, false, true, true]),
            Column(name: "count", values: .int64([1, -2, 3, Int64.max]), validity: [true, true, false, true]),
            Column(name: "value", values: .float64([0.5, -1e300, .infinity, 0])),
            Column(name: "day", values: .date32([0, 10_957, -1, 20_000])),
            Column(name: "at", values: .timestamp([0, 946_684_800_000_000, -1, 1])),
            Column(name: "flag", values: .bool([true, false, true, false]), validity: [false, true, true, true]),
        ]
        let leading = Array("run-7".utf8)

        var expected = BinaryCopyEncoder()
        for row in 0..<4 {
            expected.beginRow(fieldCount: columns.count + 1)
            expected.writeText("run-7")
            for column in columns {
                guard column.isValid(row) else {
                    expected.writeNull()
                    continue
                }
                switch column.values {
                case .utf8(let strings): strings.withUTF8(at: row) { expected.writeText($0) }
                case .dictionary(let coded): coded.withUTF8(at: row) { expected.writeText($0) }
                case .int64(let values): expected.writeInt64(values[row])
                case .float64(let values): expected.writeDouble(values[row])
                case .date32(let values): expected.writeDate(daysSince1970: values[row])
                case .timestamp(let values): expected.writeTimestamp(microsecondsSince1970: values[row])
                case .bool(let values): expected.writeBool(values[row])
                }
            }
        }

        // A small chunk size: flushed several times, each time with the rows encoded so far.
        var encoder = BinaryCopyEncoder()
        var sent: [UInt8] = []
        var flushedAt: [Int] = []
        try BinaryTableCopy.encodeRows(columns, rowCount: 4, leading: leading, into: &encoder, chunkBytes: 60) {
            encoder, rows in
            sent += encoder.bytes
            encoder.removeAll()
            flushedAt.append(rows)
        }
        sent += encoder.bytes
        #expect(sent == expected.bytes)
        #expect(flushedAt.count >= 2)
        #expect(flushedAt == flushedAt.sorted() && flushedAt.allSatisfy { (1...4).contains($0) })
    }
}
