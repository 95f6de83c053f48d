import Columnar
import Foundation
import Testing

@Suite struct ArrowRoundTripTests {
    static func sampleTable(rows: Int, withNulls: Bool) throws -> Table {
        let validity = withNulls ? (0..<rows).map { $0 % 3 != 1 } : nil
        func masked<T>(_ values: [T], zero: T) -> [T] {
            guard let validity else { return values }
            return zip(values, validity).map { $1 ? $0 : zero }
        }
        let words = ["", "a", "Müller", "Grüße aus Köln", "😀🎉", "日本語", "x,\"y\"\nz", "naïve café"]
        var strings = StringColumn()
        for row in 0..<rows {
            if validity?[row] == false { strings.appendEmpty() } else { strings.append(words[row % words.count]) }
        }
        return try Table(
            columns: [
                Column(
                    name: "id", values: .int64(masked((0..<rows).map { Int64($0) * 7_919 - 1_000_000 }, zero: 0)),
                    validity: validity),
                Column(
                    name: "amount",
                    values: .float64(masked((0..<rows).map { Double($0) * 0.1 - 3.5 }, zero: 0)), validity: validity),
                Column(name: "name", values: .utf8(strings), validity: validity),
                Column(
                    name: "day", values: .date32(masked((0..<rows).map { Int32($0 % 40_000) - 1_000 }, zero: 0)),
                    validity: validity),
                Column(
                    name: "seen",
                    values: .timestamp(masked((0..<rows).map { Int64($0) * 1_000_003 - 5_000_000 }, zero: 0)),
                    validity: validity),
                Column(
                    name: "flag", values: .bool(masked((0..<rows).map { $0 % 5 < 2 }, zero: false)), validity: validity),
            ],
            metadata: ["stage": "features", "note": "Größe ✓"])
    }

    @Test(arguments: [false, true])
    func everyTypeRoundTrips(withNulls: Bool) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try Self.sampleTable(rows: 100, withNulls: withNulls)
        let path = directory.file("table.arrow")
        let written = try table.write(to: path)
        #expect(written.rowCount == 100)
        #expect(written.batchCount == 1)
        #expect(written.byteCount == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
        let read = try Table(readingArrowFile: path)
        #expect(read == table)
    }

    @Test func multipleBatchesConcatenate() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try Self.sampleTable(rows: 1_000, withNulls: true)
        let path = directory.file("batches.arrow")
        let written = try ArrowFileWriter(batchRowCount: 64).write(table, to: path)
        #expect(written.batchCount == 16)
        let reader = try ArrowFileReader(path: path)
        #expect(reader.batchCount == 16)
        #expect(reader.rowCount == 1_000)
        #expect(try reader.readTable() == table)
    }

    @Test func defaultBatchSizeSplitsLargeTables() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let rows = ArrowFileWriter.defaultBatchRowCount + 5
        let table = try Table(columns: [Column(name: "day", values: .date32((0..<rows).map { Int32($0 % 50_000) }))])
        let path = directory.file("large.arrow")
        let written = try table.write(to: path)
        #expect(written.batchCount == 2)
        #expect(try Table(readingArrowFile: path) == table)
    }

    @Test func batchesWithoutNullsOmitBitmapsButKeepOtherBatchesNulls() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        var validity = [Bool](repeating: true, count: 10)
        validity[7] = false
        let table = try Table(columns: [
            Column(name: "v", values: .int64([1, 2, 3, 4, 5, 6, 7, 0, 9, 10]), validity: validity)
        ])
        let path = directory.file("t.arrow")
        try ArrowFileWriter(batchRowCount: 4).write(table, to: path)
        #expect(try Table(readingArrowFile: path) == table)
    }

    @Test func allTrueValidityReadsBackAsNil() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try Table(columns: [Column(name: "v", values: .float64([1, 2]), validity: [true, true])])
        let path = directory.file("t.arrow")
        try table.write(to: path)
        let read = try Table(readingArrowFile: path)
        #expect(read.columns[0].validity == nil)
        #expect(read.columns[0].values == table.columns[0].values)
    }

    @Test func zeroRowTableRoundTrips() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try Self.sampleTable(rows: 0, withNulls: false)
        let path = directory.file("empty.arrow")
        try table.write(to: path)
        let read = try Table(readingArrowFile: path)
        #expect(read == table)
        #expect(read.rowCount == 0)
        #expect(read.columns.map(\.type) == [.int64, .float64, .utf8, .date32, .timestamp, .bool])
    }

    @Test func tableWithoutColumnsRoundTrips() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try Table(columns: [], metadata: ["only": "metadata"])
        let path = directory.file("nothing.arrow")
        try table.write(to: path)
        #expect(try Table(readingArrowFile: path) == table)
    }

    @Test func unicodeStringsKeepTheirBytes() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let texts = ["Ä Ö Ü ä ö ü ß", "👩‍👩‍👧‍👦", "e\u{301}", "\u{0}nul", "Zoë", String(repeating: "ü", count: 1_000)]
        let table = try Table(columns: [Column(name: "ñame 😀", values: .utf8(StringColumn(texts)))])
        let path = directory.file("unicode.arrow")
        try table.write(to: path)
        let read = try Table(readingArrowFile: path)
        #expect(read == table)
        let column = try #require(read["ñame 😀"])
        guard case .utf8(let strings) = column.values else {
            Issue.record("expected a utf8 column")
            return
        }
        #expect((0..<strings.count).map { strings[$0] } == texts)
    }

    @Test func specialFloatsKeepTheirBits() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let values: [Double] = [.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let table = try Table(columns: [Column(name: "f", values: .float64(values))])
        let path = directory.file("floats.arrow")
        try table.write(to: path)
        expectSameContents(try Table(readingArrowFile: path), table)
    }

    @Test func schemaIsReadWithoutTheBody() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try Self.sampleTable(rows: 300, withNulls: true)
        let path = directory.file("schema.arrow")
        let written = try ArrowFileWriter(batchRowCount: 100).write(table, to: path)
        let reader = try ArrowFileReader(path: path)
        #expect(
            reader.columns == table.columns.map { ColumnDescriptor(name: $0.name, type: $0.type, isNullable: true) })
        #expect(reader.rowCount == 300)
        #expect(reader.batchCount == 3)
        #expect(reader.metadata == table.metadata)
        #expect(reader.byteCount == written.byteCount)
    }

    @Test func selectedColumnsAreReadInTheGivenOrder() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try Self.sampleTable(rows: 30, withNulls: true)
        let path = directory.file("t.arrow")
        try ArrowFileWriter(batchRowCount: 8).write(table, to: path)
        let reader = try ArrowFileReader(path: path)
        let selected = try reader.readTable(columns: ["flag", "name"])
        #expect(selected.columnNames == ["flag", "name"])
        #expect(selected["name"] == table["name"])
        #expect(selected["flag"] == table["flag"])
        let error = #expect(throws: ColumnarError.self) { try reader.readTable(columns: ["missing"]) }
        #expect(error?.code == .schemaMismatch)
    }

    @Test func readingWithTheRecordedChecksumVerifiesIt() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try Self.sampleTable(rows: 30, withNulls: true)
        let path = directory.file("t.arrow")
        let written = try table.write(to: path)
        #expect(try Table(readingArrowFile: path, expectedChecksum: written.checksum) == table)
        #expect(try ArrowFileReader(path: path).checksum() == written.checksum)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ColumnarError.self) {
            try Table(readingArrowFile: path, expectedChecksum: written.checksum)
        }
        #expect(error?.code == .checksumMismatch)
        // Reading some columns still verifies the whole file.
        let selected = #expect(throws: ColumnarError.self) {
            try Table(readingArrowFile: path, expectedChecksum: written.checksum, columns: ["name"])
        }
        #expect(selected?.code == .checksumMismatch)
    }

    @Test func aColumnSetReadsThoseColumnsInFileOrderIgnoringUnknownNames() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try Self.sampleTable(rows: 20, withNulls: true)
        let path = directory.file("t.arrow")
        let written = try table.write(to: path)
        let selected = try Table(
            readingArrowFile: path, expectedChecksum: written.checksum, columns: ["name", "flag", "not_there"])
        #expect(selected.columnNames == table.columnNames.filter { ["name", "flag"].contains($0) })
        #expect(selected["name"] == table["name"])
        #expect(selected.rowCount == 20)
    }

    @Test func equalTablesGiveByteIdenticalFiles() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try Self.sampleTable(rows: 50, withNulls: true)
        let first = try table.write(to: directory.file("a.arrow"))
        let second = try table.write(to: directory.file("b.arrow"))
        #expect(first.checksum == second.checksum)
        #expect(try checksum(ofFile: directory.file("a.arrow")) == first.checksum)
    }

    @Test func bodyBuffersStartOn64ByteBoundaries() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try Self.sampleTable(rows: 33, withNulls: true)
        let path = directory.file("aligned.arrow")
        try ArrowFileWriter(batchRowCount: 10).write(table, to: path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes[0..<8]) == Array("ARROW1".utf8) + [0, 0])
        #expect(Array(bytes[(bytes.count - 6)...]) == Array("ARROW1".utf8))
        // The schema message follows the magic with a continuation marker, and its body is 64-byte aligned.
        #expect(Array(bytes[8..<12]) == [0xFF, 0xFF, 0xFF, 0xFF])
        let metadataLength = Int(bytes[12]) | Int(bytes[13]) << 8 | Int(bytes[14]) << 16 | Int(bytes[15]) << 24
        #expect((16 + metadataLength) % 64 == 0)
    }

    @Test func writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("t.arrow")
        try Self.sampleTable(rows: 10, withNulls: false).write(to: path)
        let newer = try Self.sampleTable(rows: 20, withNulls: true)
        try newer.write(to: path)
        #expect(try Table(readingArrowFile: path) == newer)
        #expect(try directory.entries() == ["t.arrow"])
    }

    @Test func writingIntoAMissingDirectoryFailsWithIOError() throws {
        let table = try Self.sampleTable(rows: 1, withNulls: false)
        let error = #expect(throws: ColumnarError.self) {
            try table.write(to: "/nonexistent-directory-\(UUID().uuidString)/t.arrow")
        }
        #expect(error?.code == .io)
    }
}
