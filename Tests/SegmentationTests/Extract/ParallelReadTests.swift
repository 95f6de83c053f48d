import Columnar
import Foundation
import Synchronization
import Testing

@testable import Segmentation

/// A file read in parts on two cores must give exactly what one sequential read gives: the same rows in the same
/// order, the same rejects with the same line numbers, whatever falls where the file is cut.
@Suite struct ParallelReadTests {
    /// Orders with a bad row near each end, quoted fields and embedded line breaks.
    static func ordersFile(rows: Int, quotedBreakAt breakRow: Int?) -> String {
        var text = "order_id,customer_id,order_date,amount,currency,category,quantity,status\r\n"
        for row in 0..<rows {
            if row == 3 || row == rows - 4 {
                text += "O\(row),K\(row % 97),not a date,12.50,EUR,Books,1,completed\r\n"
                continue
            }
            let category =
                row == breakRow
                ? "\"Garden\n\n\"\"Tools\"\"\nand more\"" : (row % 5 == 0 ? "\"Home, Living\"" : "Books")
            text +=
                "O\(row),K\(row % 97),2024-0\(row % 9 + 1)-1\(row % 10),\(row % 300).\(row % 100),EUR,\(category),\(row % 4),completed\r\n"
            if row % 50 == 0 { text += "\r\n" }  // blank lines are skipped, but count as lines
        }
        return text
    }

    /// Writes 1,000 orders (a quoted line break at row 500) to `plain`, and a gzip copy to `plain`.gz.
    static func writeOrdersWithGzipCopy(_ plain: String) throws {
        try ordersFile(rows: 1_000, quotedBreakAt: 500).write(toFile: plain, atomically: true, encoding: .utf8)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "gzip -c '\(plain)' > '\(plain).gz'"]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
    }

    /// Reads `path` in parts of `partBytes` (one part when nil); returns the first part's reader too.
    static func read(_ path: String, parallelism: Int, partBytes: Int64? = nil) throws -> (Table, [Reject], CSVReader) {
        var rejects: [Reject] = []
        let reader = try CSVReader(path: path, dialect: CSVDialect(), chunkSize: 4096)
        let size = ExtractStage.fileSize(path)
        let table = try ExtractStage.read(
            reader, source: PipelineConfiguration.Source(path: path), file: "orders.csv",
            schema: CanonicalSchema.orders, rejects: &rejects, parallelism: parallelism,
            partBytes: partBytes ?? size / 2 + 1)
        return (table, rejects, reader)
    }

    @Test(arguments: [nil, 0, 1, 2], [nil, 997])
    func partsReadLikeOne(breakOffset: Int?, partBytes: Int64?) throws {
        let rows = 2_000
        // Find the row whose line holds the middle of the file, and put a quoted line break there (or near).
        let plain = Self.ordersFile(rows: rows, quotedBreakAt: nil)
        let middle = plain.utf8.count / 2
        var breakRow: Int?
        if let breakOffset {
            var offset = 0
            for (index, line) in plain.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                offset += line.utf8.count + 1
                if offset >= middle {
                    breakRow = max(index - 1 - breakOffset, 0)
                    break
                }
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("segpipe-split-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("orders.csv").path
        try Self.ordersFile(rows: rows, quotedBreakAt: breakRow).write(toFile: path, atomically: true, encoding: .utf8)

        let (sequential, sequentialRejects, whole) = try Self.read(path, parallelism: 1, partBytes: .max)
        #expect(whole.stoppedAt == nil, "the sequential read was split")
        let (parallel, parallelRejects, reader) = try Self.read(path, parallelism: 2, partBytes: partBytes)
        #expect(reader.stoppedAt != nil, "the file was not split")
        #expect(sequential.rowCount == rows - 2)
        #expect(parallel == sequential)
        #expect(parallelRejects == sequentialRejects)
        #expect(parallelRejects.map(\.line).count == 2)
        if let breakRow {
            let categories = try parallel.strings("category")
            let row = breakRow > 3 ? breakRow - 1 : breakRow
            #expect(categories[row] == "Garden\n\n\"Tools\"\nand more")
        }
    }

    /// The middle of this file lies inside one long quoted field full of line breaks: the second part starts at a
    /// line break inside quotes, is discarded, and read again from where the first part really ended. In parts of
    /// 1,000 bytes, whole parts lie inside that field and are skipped.
    @Test(arguments: [nil, 1_000])
    func cutInsideAQuotedFieldFallsBackToTheTrueRecordStart(partBytes: Int64?) throws {
        var text = "order_id,customer_id,order_date,amount,currency,category,quantity,status\n"
        for row in 0..<200 { text += "O\(row),K1,2024-01-02,1.00,EUR,Books,1,completed\n" }
        let note = (0..<2_000).map { "line \($0), with a comma" }.joined(separator: "\n")
        text += "O-long,K1,2024-01-02,2.00,EUR,\"\(note)\",1,completed\n"
        for row in 0..<20 { text += "P\(row),K1,2024-01-03,x,EUR,Books,1,completed\n" }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("segpipe-split-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("orders.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let size = Int64(text.utf8.count)
        let split = try #require(CSVReader.lineStart(after: size / 2, in: path))

        let (sequential, sequentialRejects, _) = try Self.read(path, parallelism: 1, partBytes: .max)
        let (parallel, parallelRejects, reader) = try Self.read(path, parallelism: 2, partBytes: partBytes)
        let stop = try #require(reader.stoppedAt)
        if partBytes == nil { #expect(stop.offset != split, "the middle line start was not inside the quoted field") }
        #expect(parallel == sequential)
        #expect(parallelRejects == sequentialRejects)
        #expect(parallel.rowCount == 201)
        #expect(parallelRejects.count == 20)
        let firstRejectLine: Int64 = 2 + 200 + 2_000  // header, 200 rows, the 2,000-line record
        #expect(parallelRejects.first?.line == firstRejectLine)
    }

    /// A `.gz` file is read as one stream and handed on in chunks of rows: the chunks join to what one read of the
    /// plain file gives.
    @Test func compressedFileInChunksReadsLikeThePlainFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("segpipe-chunks-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("orders.csv").path
        try Self.writeOrdersWithGzipCopy(plain)

        let (expected, expectedRejects, _) = try Self.read(plain, parallelism: 1, partBytes: .max)
        var rejects: [Reject] = []
        var chunkSizes: [Int] = []
        let reader = try CSVReader(path: plain + ".gz", dialect: CSVDialect(), chunkSize: 4096)
        var pieces: [[Column]] = []
        try ExtractStage.read(
            reader, source: PipelineConfiguration.Source(path: plain + ".gz"), file: "orders.csv",
            schema: CanonicalSchema.orders, parallelism: 2, chunkRows: 100
        ) { part in
            chunkSizes.append(part.rows.rowCount)
            rejects.append(contentsOf: part.rejects)
            pieces.append(part.rows.columns())
        }
        #expect(chunkSizes == Array(repeating: 100, count: 9) + [98])
        #expect(try Table(columns: ExtractStage.concatenating(&pieces)) == expected)
        #expect(rejects == expectedRejects)
    }

    /// Progress counts every byte of a file read in parts once: each part reports up to its end, not the bytes its
    /// reader read ahead into the next part.
    @Test func partsReportEachByteOfTheFileOnce() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("segpipe-bytes-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("orders.csv").path
        try Self.ordersFile(rows: 3_000, quotedBreakAt: nil).write(toFile: path, atomically: true, encoding: .utf8)
        let counted = Mutex<(records: Int, bytes: Int64)>((0, 0))
        var rejects: [Reject] = []
        let reader = try CSVReader(path: path, dialect: CSVDialect(), chunkSize: 4096)
        let table = try ExtractStage.read(
            reader, source: PipelineConfiguration.Source(path: path), file: "orders.csv",
            schema: CanonicalSchema.orders, rejects: &rejects, parallelism: 2, partBytes: 5_000
        ) { records, bytes in
            counted.withLock { $0 = ($0.records + records, $0.bytes + bytes) }
        }
        #expect(reader.stoppedAt != nil, "the file was not split")
        #expect(counted.withLock { $0.bytes } == ExtractStage.fileSize(path))
        #expect(counted.withLock { $0.records } == table.rowCount + rejects.count)
    }

    /// Parts streamed into a file with their text coded as they were parsed (two at a time, 5 kB each, new values
    /// turning up in later parts) give the rows of one whole read: each part's values mapped into the file's
    /// dictionary, which extends from part to part.
    @Test func partsCodedAsTheyAreParsedGiveTheRowsOfOneRead() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("segpipe-coded-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("orders.csv").path
        var text = "order_id,customer_id,order_date,amount,currency,category,quantity,status\n"
        for row in 0..<3_000 {
            // Categories and statuses first met late in the file; a missing currency every 97 rows.
            let currency = row % 97 == 0 ? "" : ["EUR", "CHF"][row % 2]
            text += "O\(row),K\(row % 50),2024-01-01,1.00,\(currency),cat-\(row / 300),1,s\(row / 1_000)\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (whole, _, _) = try Self.read(path, parallelism: 1, partBytes: .max)

        let out = directory.appendingPathComponent("orders.arrow").path
        let sink = SourceSink("orders", schema: CanonicalSchema.orders, path: out)
        #expect(sink.codesText)
        let reader = try CSVReader(path: path, dialect: CSVDialect(), chunkSize: 4096)
        try ExtractStage.read(
            reader, source: PipelineConfiguration.Source(path: path), file: "orders.csv",
            schema: CanonicalSchema.orders, parallelism: 2, partBytes: 5_000, codesText: sink.codesText
        ) { part in try sink.append(part.rows) }
        #expect(reader.stoppedAt != nil, "the file was not split")
        guard case .file(let written) = try sink.finish() else {
            Issue.record("the sink kept the rows in memory")
            return
        }
        #expect(written.batchCount > 10)
        let file = try Table(readingArrowFile: out, expectedChecksum: written.checksum)
        for name in ["currency", "category", "status"] {
            guard case .dictionary(let coded) = try #require(file[name]).values else {
                Issue.record("\(name) is not coded")
                continue
            }
            // Every distinct value once, in order of first appearance.
            let (strings, validity) = (try whole.strings(name), try whole.validity(name))
            var expected: [String] = []
            for row in 0..<whole.rowCount where validity?[row] ?? true && !expected.contains(strings[row]) {
                expected.append(strings[row])
            }
            #expect((0..<coded.dictionary.count).map { coded.dictionary[$0] } == expected, "\(name)")
        }
        #expect(try StageFixtures.decodingDictionaries(file) == whole)
    }
}
