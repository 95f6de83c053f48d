import Columnar
import Foundation
import Testing

/// Dictionary-encoded text columns: codes into a dictionary in memory, Arrow `dictionary<int32, utf8>` on disk,
/// readable by pyarrow.
@Suite struct DictionaryColumnTests {
    static let cities = StringColumn(["Bern", "Basel", "Zürich", ""])

    /// Six rows over `cities`, the fourth null (code -1).
    static func sampleTable() throws -> Table {
        try Table(
            columns: [
                Column(name: "id", values: .int64([1, 2, 3, 4, 5, 6])),
                Column(
                    name: "city",
                    values: .dictionary(DictionaryColumn(codes: [0, 1, 0, -1, 2, 3], dictionary: cities)),
                    validity: [true, true, true, false, true, true]),
            ], metadata: ["k": "v"])
    }

    @Test func decodesGathersAndCodesPlainText() {
        let column = DictionaryColumn(codes: [2, 0, -1, 0], dictionary: Self.cities)
        #expect(column.count == 4)
        #expect(column[0] == "Zürich")
        #expect(column[2] == "")
        #expect(column.byteCount(at: 0) == "Zürich".utf8.count)
        #expect(column.decoded() == StringColumn(["Zürich", "Bern", "", "Bern"]))
        #expect(column.gathering([3, 0]).decoded() == StringColumn(["Bern", "Zürich"]))
        let coded = DictionaryColumn(coding: StringColumn(["b", "a", "b", "c"]))
        #expect(coded.codes == [0, 1, 0, 2])
        #expect(coded.dictionary == StringColumn(["b", "a", "c"]))
        var grown = DictionaryColumn(codes: [0], dictionary: StringColumn(["a"]))
        grown.append(contentsOf: DictionaryColumn(codes: [1, 0], dictionary: StringColumn(["a", "b"])))
        #expect(grown.decoded() == StringColumn(["a", "b", "a"]))
        #expect(StringColumn(["a", "b"]).hasPrefix(StringColumn(["a"])))
        #expect(!StringColumn(["a", "b"]).hasPrefix(StringColumn(["b"])))
        #expect(!StringColumn(["ab"]).hasPrefix(StringColumn(["a"])))
        #expect(DictionaryColumn.codesFit([-1, 0, 3], dictionaryCount: 4))
        #expect(!DictionaryColumn.codesFit([4], dictionaryCount: 4))
        #expect(!DictionaryColumn.codesFit([-2], dictionaryCount: 4))
    }

    @Test(arguments: [1, 4, 100])
    func roundTripsThroughAFile(batchRows: Int) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("coded.arrow")
        let table = try Self.sampleTable()
        let written = try ArrowFileWriter(batchRowCount: batchRows).write(table, to: path)
        let reader = try ArrowFileReader(path: path, expectedChecksum: written.checksum)
        #expect(reader.columns.map(\.type) == [.int64, .utf8])
        let read = try reader.readTable()
        #expect(read == table)
        // One row looked up straight from the file, and a null one.
        let value = try reader.withUTF8(columnIndex: 1, row: 4) { String(decoding: $0, as: UTF8.self) }
        #expect(value == "Zürich")
        #expect(try reader.withUTF8(columnIndex: 1, row: 3) { $0.count } == 0)
    }

    @Test func streamedSlicesMayGrowTheDictionary() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("grown.arrow")
        let writer = try ArrowStreamWriter(path: path, columns: [("status", .utf8)], batchRowCount: 2)
        let first = StringColumn(["open"])
        let second = StringColumn(["open", "closed"])
        for (codes, dictionary) in [([0, 0, 0] as [Int32], first), ([1, 0], second), ([1], second)] {
            try writer.append(
                try Table(columns: [
                    Column(name: "status", values: .dictionary(DictionaryColumn(codes: codes, dictionary: dictionary)))
                ]))
        }
        _ = try writer.finish()
        let read = try Table(readingArrowFile: path)
        #expect(read["status"]?.values == .dictionary(DictionaryColumn(codes: [0, 0, 0, 1, 0, 1], dictionary: second)))
    }

    @Test func aSliceAgainstAnotherDictionaryOrPlainTextIsRefused() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        func slice(_ values: ColumnValues) throws -> Table { try Table(columns: [Column(name: "s", values: values)]) }
        let coded = ColumnValues.dictionary(DictionaryColumn(codes: [0], dictionary: StringColumn(["a"])))
        let other = ColumnValues.dictionary(DictionaryColumn(codes: [0], dictionary: StringColumn(["b", "a"])))
        for (index, second) in [other, ColumnValues.utf8(StringColumn(["a"]))].enumerated() {
            let path = directory.file("refused-\(index).arrow")
            let writer = try ArrowStreamWriter(path: path, columns: [("s", .utf8)])
            try writer.append(try slice(coded))
            let error = #expect(throws: ColumnarError.self) { try writer.append(try slice(second)) }
            #expect(error?.code == .schemaMismatch)
            writer.abandon()
            #expect(!FileManager.default.fileExists(atPath: path))
        }
        // Plain text first, then a coded slice: refused the same way.
        let writer = try ArrowStreamWriter(path: directory.file("plain.arrow"), columns: [("s", .utf8)])
        try writer.append(try slice(.utf8(StringColumn(["a"]))))
        #expect(throws: ColumnarError.self) { try writer.append(try slice(coded)) }
        writer.abandon()
    }

    @Test func aRowWithoutACodeMustBeNull() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("uncoded.arrow")
        let table = try Table(columns: [
            Column(name: "s", values: .dictionary(DictionaryColumn(codes: [0, -1], dictionary: StringColumn(["a"]))))
        ])
        let error = #expect(throws: ColumnarError.self) { try table.write(to: path) }
        #expect(error?.code == .schemaMismatch)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// A column of nulls only, over an empty dictionary, and a coded column named as large text: both files valid.
    @Test func nullOnlyAndLargeNamedColumnsReadBack() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let nulls = try Table(columns: [
            Column(
                name: "s", values: .dictionary(DictionaryColumn(codes: [-1, -1], dictionary: StringColumn())),
                validity: [false, false])
        ])
        let path = directory.file("nulls.arrow")
        try nulls.write(to: path)
        let read = try Table(readingArrowFile: path)
        guard case .dictionary(let coded) = read["s"]?.values else {
            Issue.record("not read as a dictionary-encoded column")
            return
        }
        #expect(coded.codes == [-1, -1])
        #expect(read["s"]?.validity == [false, false])
        let large = directory.file("large.arrow")
        let writer = try ArrowStreamWriter(path: large, columns: [("city", .utf8)], largeUTF8Columns: ["city"])
        let sample = try Self.sampleTable()
        try writer.append(try Table(columns: [try #require(sample["city"])]))
        _ = try writer.finish()
        #expect(try Table(readingArrowFile: large)["city"] == sample["city"])
    }

    @Test func aCodeOutsideTheDictionaryIsAMalformedFile() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("bad.arrow")
        let dictionary = StringColumn(["a", "b"])
        try Table(columns: [
            Column(name: "s", values: .dictionary(DictionaryColumn(codes: [1, 0, 1, 1], dictionary: dictionary)))
        ]).write(to: path)
        // The codes (int32 1, 0, 1, 1) are the only such run in the file: make the last one 7.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let pattern: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]
        let start = try #require(
            (0...(bytes.count - pattern.count)).first { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) })
        bytes[start + 12] = 7
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reader = try ArrowFileReader(path: path)
        let error = #expect(throws: ColumnarError.self) { try reader.readTable() }
        #expect(error?.code == .malformedFile)
    }

    @Test func pyarrowDictionaryFixtureReads() throws {
        let table = try Table(readingArrowFile: try Fixtures.path("pyarrow_dictionary.arrow"))
        guard case .dictionary(let city) = table["city"]?.values else {
            Issue.record("city is not read as a dictionary-encoded column")
            return
        }
        #expect(city.decoded() == StringColumn(["Bern", "Basel", "Bern"]))
    }

    @Test(.enabled(if: PythonChecker.isUsable || PythonChecker.isCI, PythonChecker.skipReason), arguments: [1, 4])
    func pyarrowReadsDictionaryColumnsExactly(batchRows: Int) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        try PythonChecker.checkWritten(try Self.sampleTable(), batchRowCount: batchRows, in: directory)
    }
}
