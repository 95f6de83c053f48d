import Columnar
import Foundation
import Testing

/// Files made by pyarrow read exactly, and files segpipe writes read exactly in pyarrow.
///
/// The fixtures come from `scripts/fixtures/make_arrow_fixtures.py`; the reverse direction runs
/// `scripts/fixtures/check_arrow_file.py`, which needs `python3` with pyarrow. Without them the reverse
/// tests are skipped, except under `CI=true`, where they fail.
@Suite struct PyArrowInteropTests {
    @Test(arguments: ["pyarrow_all_types", "pyarrow_feather", "pyarrow_legacy_v4", "pyarrow_empty"])
    func pyarrowFileReadsExactly(fixture: String) throws {
        let expected = try ExpectedTable.fixture(fixture + ".json")
        let reader = try ArrowFileReader(path: try Fixtures.path(fixture + ".arrow"))
        #expect(reader.rowCount == expected.rowCount)
        if let batchCount = expected.batchCount { #expect(reader.batchCount == batchCount) }
        #expect(reader.columns.map(\.name) == expected.columns.map(\.name))
        #expect(reader.columns.map(\.type) == expected.columns.map(\.type))
        expectSameContents(try reader.readTable(), try expected.table())
    }

    @Test func allTypesFixtureHasTheDocumentedShape() throws {
        let table = try Table(readingArrowFile: try Fixtures.path("pyarrow_all_types.arrow"))
        #expect(table.rowCount == 8)
        #expect(table.metadata["umlaut"] == "Größe")
        let strings = try #require(table["s"])
        guard case .utf8(let values) = strings.values else {
            Issue.record("column s is not utf8")
            return
        }
        #expect(values[4] == "Grüße 😀")
        #expect(!strings.isValid(1))
        #expect(table["ts_ns"]?.values == .timestamp([1_700_000_000_123_456, -1, -2, 0, 0, 1, 1, 0]))
    }

    @Test(arguments: [("pyarrow_lz4.arrow", "LZ4_FRAME"), ("pyarrow_zstd.arrow", "ZSTD")])
    func compressedFilesAreUnsupported(fixture: String, codec: String) throws {
        let path = try Fixtures.path(fixture)
        let reader = try ArrowFileReader(path: path)
        #expect(reader.rowCount == 100)
        let error = #expect(throws: ColumnarError.self) { try reader.readTable() }
        #expect(error?.code == .unsupportedType)
        #expect(error?.message.contains(codec) == true)
    }

    @Test(arguments: [("pyarrow_list.arrow", "tags")])
    func unsupportedColumnsAreNamed(fixture: String, column: String) throws {
        let error = #expect(throws: ColumnarError.self) { try ArrowFileReader(path: try Fixtures.path(fixture)) }
        #expect(error?.code == .unsupportedType)
        #expect(error?.message.contains("\"\(column)\"") == true)
    }

    @Test(.enabled(if: PythonChecker.isUsable || PythonChecker.isCI, PythonChecker.skipReason), arguments: [1, 3])
    func pyarrowReadsSegpipeFilesExactly(batchSize: Int) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        var table = try ArrowRoundTripTests.sampleTable(rows: 10, withNulls: true)
        let specials = try Table(columns: [
            Column(name: "special", values: .float64([.nan, .infinity, -.infinity, -0.0, 1e-300, 0.1, 1e300, 2, 3, 4]))
        ])
        table = try Table(columns: table.columns + specials.columns, metadata: table.metadata)
        try PythonChecker.checkWritten(table, batchRowCount: batchSize, in: directory)
    }

    /// A file streamed in unequal chunks (as the extract stage writes its checkpoint) reads in pyarrow exactly.
    @Test(.enabled(if: PythonChecker.isUsable || PythonChecker.isCI, PythonChecker.skipReason))
    func pyarrowReadsStreamedFilesExactly() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try ArrowRoundTripTests.sampleTable(rows: 17, withNulls: true)
        let writer = try ArrowStreamWriter(
            path: directory.file("streamed.arrow"), columns: ArrowStreamWriterTests.columns(of: table),
            metadata: table.metadata, batchRowCount: 5)
        for range in [0..<7, 7..<7, 7..<17] { try writer.append(try ArrowStreamWriterTests.slice(table, range)) }
        let written = try writer.finish()
        let expectedPath = directory.file("expected.json")
        let json = try ExpectedTable.json(describing: table, batchCount: written.batchCount)
        try Data(json.utf8).write(to: URL(fileURLWithPath: expectedPath))
        try PythonChecker.check(file: written.path, expected: expectedPath)
    }

    @Test(.enabled(if: PythonChecker.isUsable || PythonChecker.isCI, PythonChecker.skipReason))
    func checkScriptRejectsWrongValues() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("segpipe.arrow")
        try Table(columns: [Column(name: "v", values: .float64([0.0, 1]))]).write(to: path)
        let expectedPath = directory.file("expected.json")
        let wrong = try Table(columns: [Column(name: "v", values: .float64([-0.0, 1]))])
        try Data(try ExpectedTable.json(describing: wrong).utf8).write(to: URL(fileURLWithPath: expectedPath))
        guard PythonChecker.isUsable else {
            Issue.record("CI=true but python3 with pyarrow is not available")
            return
        }
        let script = PythonChecker.repositoryRoot.appendingPathComponent("scripts/fixtures/check_arrow_file.py").path
        let result = try PythonChecker.run([script, path, expectedPath])
        #expect(result.status == 1)
        #expect(result.output.contains("column 'v' row 0"))
    }

    @Test(.enabled(if: PythonChecker.isUsable || PythonChecker.isCI, PythonChecker.skipReason))
    func pyarrowReadsSegpipeZeroRowFile() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try ArrowRoundTripTests.sampleTable(rows: 0, withNulls: false)
        let path = directory.file("empty.arrow")
        try table.write(to: path)
        let expectedPath = directory.file("expected.json")
        try Data(try ExpectedTable.json(describing: table).utf8).write(to: URL(fileURLWithPath: expectedPath))
        try PythonChecker.check(file: path, expected: expectedPath)
    }
}

/// Runs `scripts/fixtures/check_arrow_file.py` with the `python3` on the PATH.
enum PythonChecker {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let skipReason: Comment =
        "python3 with pyarrow is not available (pip install pyarrow); under CI=true this test fails instead"

    /// The repository root, found from this file's path (Tests/ColumnarTests/<file>).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let isUsable: Bool = (try? run(["-c", "import pyarrow"]).status) == 0

    /// Writes `table` in `directory` with `ArrowFileWriter` and checks that pyarrow (and Polars) read it exactly.
    static func checkWritten(_ table: Table, batchRowCount: Int, in directory: TestDirectory) throws {
        let path = directory.file("segpipe.arrow")
        let written = try ArrowFileWriter(batchRowCount: batchRowCount).write(table, to: path)
        let expectedPath = directory.file("expected.json")
        let json = try ExpectedTable.json(describing: table, batchCount: written.batchCount)
        try Data(json.utf8).write(to: URL(fileURLWithPath: expectedPath))
        try check(file: path, expected: expectedPath)
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = repositoryRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    static func check(file: String, expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard isUsable else {
            Issue.record(
                "CI=true but python3 with pyarrow is not available: \(skipReason)", sourceLocation: sourceLocation)
            return
        }
        let script = repositoryRoot.appendingPathComponent("scripts/fixtures/check_arrow_file.py").path
        let result = try run([script, file, expected])
        #expect(result.status == 0, "check_arrow_file.py: \(result.output)", sourceLocation: sourceLocation)
    }
}
