import Foundation
import Testing

@testable import Columnar

/// A file written batch by batch must read back as the table it was given, and be the file `ArrowFileWriter`
/// writes when the batches are the same.
@Suite struct ArrowStreamWriterTests {
    /// Rows `range` of `table`, every column sliced the same way.
    static func slice(_ table: Table, _ range: Range<Int>) throws -> Table {
        let columns = table.columns.map { column -> Column in
            let values: ColumnValues
            switch column.values {
            case .int64(let v): values = .int64(Array(v[range]))
            case .timestamp(let v): values = .timestamp(Array(v[range]))
            case .float64(let v): values = .float64(Array(v[range]))
            case .date32(let v): values = .date32(Array(v[range]))
            case .bool(let v): values = .bool(Array(v[range]))
            case .utf8(let strings):
                var sliced = StringColumn()
                for row in range {
                    let bytes = Array(strings.bytes[strings.offsets[row]..<strings.offsets[row + 1]])
                    bytes.withUnsafeBufferPointer { sliced.append(utf8: $0) }
                }
                values = .utf8(sliced)
            case .dictionary(let coded):
                values = .dictionary(DictionaryColumn(codes: Array(coded.codes[range]), dictionary: coded.dictionary))
            }
            return Column(name: column.name, values: values, validity: column.validity.map { Array($0[range]) })
        }
        return try Table(columns: columns, metadata: table.metadata)
    }

    static func columns(of table: Table) -> [(name: String, type: ColumnType)] {
        table.columns.map { ($0.name, $0.type) }
    }

    @Test(arguments: [false, true])
    func chunksReadBackAsTheWholeTable(withNulls: Bool) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try ArrowRoundTripTests.sampleTable(rows: 23, withNulls: withNulls)
        let writer = try ArrowStreamWriter(
            path: directory.file("streamed.arrow"), columns: Self.columns(of: table), metadata: table.metadata,
            batchRowCount: 8)
        for range in [0..<5, 5..<5, 5..<23] { try writer.append(try Self.slice(table, range)) }
        #expect(writer.rowCount == 23)
        let written = try writer.finish()
        // 5 rows, then 18 rows in batches of at most 8: 8, 8, 2.
        #expect(written.batchCount == 4)
        #expect(written.rowCount == 23)
        #expect(try Table(readingArrowFile: written.path, expectedChecksum: written.checksum) == table)
        #expect(try directory.entries() == ["streamed.arrow"])
    }

    /// Flags packed eight at a time give the bit-by-bit bitmap and count, for ranges starting anywhere and of any
    /// length (a tail shorter than a word included).
    @Test func flagsPackAndCountLikeBitByBit() {
        // A fixed xorshift sequence, so that a failure can be replayed.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let flags = (0..<1000).map { _ -> Bool in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state & 1 == 1
        }
        flags.withUnsafeBufferPointer { flags in
            for range in [0..<0, 0..<1, 0..<8, 3..<11, 5..<1000, 0..<1000, 17..<64, 999..<1000] {
                var expected = [UInt8](repeating: 0, count: (range.count + 7) / 8)
                for (index, row) in range.enumerated() where flags[row] { expected[index / 8] |= 1 << (index % 8) }
                var packed: [UInt8] = [9]
                ArrowStreamWriter.packBits(flags, range: range, into: &packed)
                #expect(packed == expected, "\(range)")
                #expect(ArrowStreamWriter.trueCount(flags, range: range) == range.filter { flags[$0] }.count)
            }
        }
    }

    @Test func sameBatchesGiveTheSameBytesAsArrowFileWriter() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try ArrowRoundTripTests.sampleTable(rows: 30, withNulls: true)
        let whole = try ArrowFileWriter(batchRowCount: 10).write(table, to: directory.file("whole.arrow"))
        let writer = try ArrowStreamWriter(
            path: directory.file("streamed.arrow"), columns: Self.columns(of: table), metadata: table.metadata)
        for start in stride(from: 0, to: 30, by: 10) { try writer.append(try Self.slice(table, start..<start + 10)) }
        let streamed = try writer.finish()
        #expect(streamed.checksum == whole.checksum)
        #expect(streamed.byteCount == whole.byteCount)
    }

    @Test func rawBuffersWriteTheSameFileAsColumns() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let offsets = [0, 3, 3, 10]  // "abc", "", "Müller" (ü is two bytes)
        let text = Array("abcMüller".utf8)
        let amounts: [Double] = [1.5, -2, 0]
        let days: [Int32] = [19_000, 0, -3]
        let valid = [true, false, true]
        let table = try Table(columns: [
            Column(name: "name", values: .utf8(StringColumn(offsets: offsets, bytes: text)), validity: valid),
            Column(name: "amount", values: .float64(amounts)),
            Column(name: "day", values: .date32(days), validity: valid),
        ])
        let fromColumns = try ArrowFileWriter().write(table, to: directory.file("columns.arrow"))
        let writer = try ArrowStreamWriter(path: directory.file("raw.arrow"), columns: Self.columns(of: table))
        try offsets.withUnsafeBufferPointer { offsets in
            try text.withUnsafeBytes { text in
                try amounts.withUnsafeBytes { amounts in
                    try days.withUnsafeBytes { days in
                        try valid.withUnsafeBufferPointer { valid in
                            try writer.append(
                                rowCount: 3,
                                columns: [
                                    BatchColumn(values: .utf8(offsets: offsets, bytes: text), validity: valid),
                                    BatchColumn(values: .fixed(amounts, width: 8)),
                                    BatchColumn(values: .fixed(days, width: 4), validity: valid),
                                ])
                        }
                    }
                }
            }
        }
        let fromRaw = try writer.finish()
        #expect(fromRaw.checksum == fromColumns.checksum)
        #expect(try Table(readingArrowFile: fromRaw.path) == table)
    }

    /// Text given with 32-bit offsets writes the same file as with 64-bit ones: in one batch (offsets written as they
    /// are), in batches that start inside the buffers (offsets rebased), and as `large_utf8`.
    @Test(arguments: [(1 << 20, false), (2, false), (1 << 20, true), (3, true)])
    func compactOffsetsWriteTheSameFile(batchRowCount: Int, large: Bool) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let wide = [0, 3, 3, 10, 11, 11]  // "abc", "", "Müller" (ü is two bytes), "x", ""
        let compact = wide.map { Int32($0) }
        let text = Array("abcMüllerx".utf8)
        let valid = [true, false, true, true, true]
        func write(_ name: String, _ values: (UnsafeRawBufferPointer) -> BatchColumn.Values) throws -> WrittenFile {
            let writer = try ArrowStreamWriter(
                path: directory.file(name), columns: [("name", .utf8)], largeUTF8Columns: large ? ["name"] : [],
                batchRowCount: batchRowCount)
            try text.withUnsafeBytes { text in
                try valid.withUnsafeBufferPointer { valid in
                    try writer.append(rowCount: 5, columns: [BatchColumn(values: values(text), validity: valid)])
                }
            }
            return try writer.finish()
        }
        let fromWide = try wide.withUnsafeBufferPointer { offsets in
            try write("wide.arrow") { .utf8(offsets: offsets, bytes: $0) }
        }
        let fromCompact = try compact.withUnsafeBufferPointer { offsets in
            try write("compact.arrow") { .compactUTF8(offsets: offsets, bytes: $0) }
        }
        #expect(fromCompact.checksum == fromWide.checksum)
        #expect(fromCompact.batchCount == (5 + batchRowCount - 1) / batchRowCount)
        let expected = try Table(columns: [
            Column(name: "name", values: .utf8(StringColumn(offsets: wide, bytes: text)), validity: valid)
        ])
        #expect(try Table(readingArrowFile: fromCompact.path) == expected)
    }

    @Test func compactOffsetsOutsideTheBytesAreRefused() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let writer = try ArrowStreamWriter(path: directory.file("bad.arrow"), columns: [("name", .utf8)])
        defer { writer.abandon() }
        let offsets: [Int32] = [0, 2, 9]
        let text = Array("abc".utf8)
        #expect(throws: ColumnarError.self) {
            try offsets.withUnsafeBufferPointer { offsets in
                try text.withUnsafeBytes { text in
                    try writer.append(
                        rowCount: 2, columns: [BatchColumn(values: .compactUTF8(offsets: offsets, bytes: text))])
                }
            }
        }
    }

    @Test func noBatchGivesAnEmptyTableWithTheColumns() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let writer = try ArrowStreamWriter(
            path: directory.file("empty.arrow"), columns: [("id", .utf8), ("amount", .float64)])
        let written = try writer.finish()
        let table = try Table(readingArrowFile: written.path)
        #expect(table.rowCount == 0)
        #expect(table.columns.map(\.name) == ["id", "amount"])
        #expect(table.columns.map(\.type) == [.utf8, .float64])
        #expect(written.batchCount == 1)
    }

    @Test func abandonedOrMismatchedWritesLeaveNoFile() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try ArrowRoundTripTests.sampleTable(rows: 4, withNulls: false)
        let writer = try ArrowStreamWriter(path: directory.file("t.arrow"), columns: Self.columns(of: table))
        try writer.append(table)
        let other = try Table(columns: [Column(name: "id", values: .int64([1]))])
        #expect(throws: ColumnarError.self) { try writer.append(other) }
        writer.abandon()
        #expect(try directory.entries().isEmpty)

        // Released without finish(): the temporary file goes too.
        do {
            let dropped = try ArrowStreamWriter(path: directory.file("u.arrow"), columns: Self.columns(of: table))
            try dropped.append(table)
        }
        #expect(try directory.entries().isEmpty)
    }
}
