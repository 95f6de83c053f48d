import Columnar
import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

@testable import Segmentation

/// Records what a stage reports, as the terminal's progress line would receive it.
final class RecordingProgress: ProgressReporter {
    struct Report: Sendable {
        var totals: [(amount: Int64, unit: ProgressUnit)] = []
        var rows = 0
        var bytes: Int64 = 0
        var calls = 0
    }

    private let state = Mutex(Report())

    var report: Report { state.withLock { $0 } }

    func stageStarted(_ stage: StageName, position: Int, count: Int) {}

    func expectTotal(_ total: Int64, of unit: ProgressUnit) {
        state.withLock { $0.totals.append((total, unit)) }
    }

    func rowsProcessed(_ rows: Int) {
        state.withLock {
            $0.rows += rows
            $0.calls += 1
        }
    }

    func bytesProcessed(_ bytes: Int64) {
        state.withLock { $0.bytes += bytes }
    }

    func stageFinished(_ stage: StageName) {}
}

/// Extract and load report their total work up front and then exactly that much, so the ETA ends at 100 %.
@Suite struct ProgressReportingTests {
    private static func gzip(_ path: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-f", path]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
    }

    private static func size(_ path: String) throws -> Int64 {
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        return Int64(try #require(size))
    }

    @Test func extractOfFilesReportsTheirSizesOnDiskIncludingCompressedOnes() throws {
        let folder = try TemporaryDirectory(prefix: "progress-extract")
        let asOf = CalendarDate.days(year: 2026, month: 11, day: 1)
        _ = try SyntheticDataGenerator(customers: 300, seed: 5, asOf: asOf).write(to: folder.path)
        try Self.gzip(folder.path("orders.csv"))
        let expected = try ["customers.csv", "orders.csv.gz", "email_events.csv"].map { try Self.size(folder.path($0)) }
            .reduce(0, +)

        var context = StageFixtures.context()
        context.dataDirectory = folder.path
        context.asOf = asOf
        context.configuration.sources.orders = .init(path: "orders.csv.gz")
        let progress = RecordingProgress()
        context.progress = progress
        let output = try ExtractStage(context: context).run()

        let report = progress.report
        try #require(report.totals.count == 1)
        #expect(report.totals[0].amount == expected)
        #expect(report.totals[0].unit == .bytes)
        #expect(report.bytes == expected)
        let read = ["customers", "orders", "email_events"].reduce(0) { sum, name in
            sum + (output.table(name)?.rowCount ?? 0)
        }
        #expect(report.rows == read + (output.table("rejects")?.rowCount ?? 0))
    }

    @Test func compressedFileProgressMovesWithTheReader() throws {
        let folder = try TemporaryDirectory(prefix: "progress-gzip")
        _ = try SyntheticDataGenerator(
            customers: 2_000, seed: 9, asOf: CalendarDate.days(year: 2026, month: 11, day: 1)
        )
        .write(to: folder.path)
        // About 1 MB compressed, well beyond what gzip reads ahead (256 KiB) and the pipe holds.
        let orders = try Data(contentsOf: folder.url("orders.csv"))
        try (0..<4).reduce(into: Data()) { data, _ in data.append(orders) }.write(to: folder.url("big.csv"))
        try Self.gzip(folder.path("big.csv"))
        let path = folder.path("big.csv.gz")
        let compressed = try Self.size(path)

        let reader = try CSVReader(path: path, chunkSize: 4_096)
        var positions: [Int64] = []
        try reader.forEachRecord { record in
            if record.lineNumber % 500 == 0 { positions.append(reader.fileBytesRead) }
        }
        #expect(reader.fileBytesRead == compressed)
        #expect(reader.bytesRead > compressed)
        #expect(positions == positions.sorted())
        // Part-way through, gzip has read some but not all of the file.
        #expect(positions.contains { $0 > 0 && $0 < compressed })
    }

    @Test(.enabled(if: TestDatabase.isEnabled, "DATABASE_URL not set: run scripts/dev-postgres start"))
    func loadCopyReportsEveryRowInChunks() throws {
        let schema = try TestSchema(prefix: "progress_copy")
        defer { schema.drop() }
        try schema.connection.execute("CREATE TABLE \(schema.qualified("wide")) (run_id text, id bigint, note text)")
        let rows = 40_000
        var ids = ColumnBuilder(name: "id", type: .int64, capacity: rows)
        var notes = ColumnBuilder(name: "note", type: .utf8, capacity: rows)
        for row in 0..<rows {
            ids.append(Int64(row))
            notes.append(String(repeating: "x", count: 40 + row % 17))
        }
        var chunks: [Int] = []
        let copied = try BinaryTableCopy.copy(
            [ids.build(), notes.build()], rowCount: rows, into: schema.qualified("wide"), columnNames: ["id", "note"],
            leading: ("run_id", "r1"), connection: schema.connection
        ) { chunks.append($0) }
        #expect(copied.rows == rows)
        #expect(chunks.reduce(0, +) == rows)
        #expect(chunks.count > 1, "\(copied.bytes) bytes in \(chunks.count) chunk(s)")
        #expect(chunks.allSatisfy { $0 > 0 })
    }
}
