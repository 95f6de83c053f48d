import Columnar
import Foundation
import Testing

@Suite struct LargeUTF8Tests {
    @Test func columnOverTheByteLimitIsWrittenAsLargeUTF8() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try ArrowRoundTripTests.sampleTable(rows: 40, withNulls: true)
        var writer = ArrowFileWriter(batchRowCount: 16)
        writer.largeUTF8Threshold = 50
        let path = directory.file("large.arrow")
        let written = try writer.write(table, to: path)
        #expect(try Table(readingArrowFile: path) == table)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var normal = ArrowFileWriter(batchRowCount: 16)
        normal.largeUTF8Threshold = Int(Int32.max)
        let smaller = try normal.write(table, to: directory.file("normal.arrow"))
        #expect(written.byteCount > smaller.byteCount, "64-bit offsets take more room")
        #expect(bytes.count == written.byteCount)

        guard PythonChecker.isUsable || PythonChecker.isCI else { return }
        let expectedPath = directory.file("expected.json")
        let json = try ExpectedTable.json(describing: table, batchCount: written.batchCount)
        try Data(json.utf8).write(to: URL(fileURLWithPath: expectedPath))
        try PythonChecker.check(file: path, expected: expectedPath)
        let probe = try PythonChecker.run([
            "-c", "import pyarrow as pa, sys; print(pa.ipc.open_file(sys.argv[1]).schema.field('name').type)", path,
        ])
        #expect(probe.output.trimmingCharacters(in: .whitespacesAndNewlines) == "large_string")
    }
}
