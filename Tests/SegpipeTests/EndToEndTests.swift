import Foundation
import Testing

/// The whole pipeline through the built executable, against the real PostgreSQL of `scripts/dev-postgres`.
///
/// Each test uses its own checkpoint folder and database schema. Without `DATABASE_URL` the suite is skipped
/// locally, but under `CI=true` it fails: CI must never pass without running these.
@Suite(.serialized) struct EndToEndTests {
    let workspace: Workspace
    var folder: URL { workspace.folder }
    var data: URL { workspace.data }
    var schema: String { workspace.schema }
    var databaseURL: String { workspace.databaseURL }

    init() throws {
        workspace = try Workspace(schemaPrefix: "segpipe_e2e", customers: 1500, seed: 11)
    }

    /// Writes a pipeline with the given k into the test folder.
    private func pipeline(k: Int) throws -> String {
        let path = folder.appendingPathComponent("pipeline-k\(k).yaml").path
        let yaml = """
            name: e2e
            sources:
              customers: {path: customers.csv}
              orders: {path: orders.csv}
              email_events: {path: email_events.csv, required: false}
            clean:
              currency_rates: {EUR: 1.0, CHF: 1.04, GBP: 1.17}
            segment:
              k: \(k)
              seed: 42
            load:
              schema: \(schema)
            """
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func run(_ pipeline: String, _ extra: [String] = [], environment: [String: String] = [:]) throws
        -> SegpipeBinary.Result
    {
        try SegpipeBinary.run(
            [
                "run", "--pipeline", pipeline, "--data-dir", data.path, "--database-url", databaseURL,
                "--checkpoint-dir", workspace.checkpoints.path, "--as-of", "2026-11-01",
                "--log-format", "json",
            ] + extra,
            environment: environment)
    }

    private func onlyRun() throws -> URL { try workspace.onlyRun() }

    private func fileBytes(_ folder: URL) throws -> [String: Data] { try Workspace.fileBytes(folder) }

    @Test func fullRunPublishesSegmentsAndRerunsOneStageWithoutTouchingUpstream() throws {
        defer { workspace.cleanUp() }
        let metrics = folder.appendingPathComponent("segpipe.prom").path
        let summaryFile = folder.appendingPathComponent("summary.json").path
        let first = try run(try pipeline(k: 5), ["--metrics-file", metrics, "--summary-file", summaryFile])
        try #require(first.exitCode == 0, "run failed: \(first.stderr)")
        let summary = try String(contentsOfFile: summaryFile, encoding: .utf8)
        for key in ["rejects_by_reason", "duplicates_merged", "\"k\"", "peak_memory_bytes"] {
            #expect(summary.contains(key), "run summary lacks \(key)")
        }
        let exposition = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(exposition.contains("segpipe_last_run_success{pipeline=\"e2e\"} 1"))
        #expect(exposition.contains("segpipe_segment_customers{pipeline=\"e2e\",segment=\"1\"}"))
        let segments = try Database.query(databaseURL, "SELECT count(*), sum(size) FROM \(schema).current_segments")
        #expect(segments.hasPrefix("5|"))
        let customers = try Database.query(databaseURL, "SELECT count(*) FROM \(schema).current_customer_segments")
        #expect(segments == "5|\(customers)")
        #expect(try Database.query(databaseURL, "SELECT status FROM \(schema).runs") == "published")

        let runFolder = try onlyRun()
        let extractBefore = try fileBytes(runFolder.appendingPathComponent("extract"))
        let cleanBefore = try fileBytes(runFolder.appendingPathComponent("clean"))
        let segmentBefore = try Data(contentsOf: runFolder.appendingPathComponent("segment/segments.arrow"))

        // Nothing changed: every stage is skipped.
        let again = try run(try pipeline(k: 5))
        #expect(again.exitCode == 0)
        #expect(again.stdout.components(separatedBy: " skipped ").count - 1 == 6, "\(again.stdout)")

        // Another k for the segment stage alone: upstream checkpoints stay byte-identical.
        let rerun = try run(try pipeline(k: 3), ["--stage", "segment"])
        try #require(rerun.exitCode == 0, "rerun failed: \(rerun.stderr)")
        #expect(try fileBytes(runFolder.appendingPathComponent("extract")) == extractBefore)
        #expect(try fileBytes(runFolder.appendingPathComponent("clean")) == cleanBefore)
        #expect(try Data(contentsOf: runFolder.appendingPathComponent("segment/segments.arrow")) != segmentBefore)

        // The next plain run publishes the new segments: only load is stale.
        let publish = try run(try pipeline(k: 3))
        #expect(publish.exitCode == 0, "\(publish.stderr)")
        #expect(publish.stdout.contains("load      ran"), "\(publish.stdout)")
        #expect(try Database.query(databaseURL, "SELECT count(*) FROM \(schema).current_segments") == "3")
        #expect(try Database.query(databaseURL, "SELECT count(*) FROM \(schema).runs") == "1")
    }

    @Test func killedDuringSegmentResumesThereInsteadOfRedoingExtract() throws {
        defer { workspace.cleanUp() }
        let path = try pipeline(k: 4)
        let checkpoints = workspace.checkpoints
        let process = try SegpipeBinary.start(
            [
                "run", "--pipeline", path, "--data-dir", data.path, "--database-url", databaseURL,
                "--checkpoint-dir", checkpoints.path, "--as-of", "2026-11-01",
            ],
            environment: ["SEGPIPE_STALL_STAGE": "segment"])
        // Wait until the segment stage is marked running, then kill the process hard.
        let segmentRunning = CheckpointWatch.waitUntilRunning("segment", under: checkpoints)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try #require(segmentRunning, "the segment stage never started")

        let runFolder = try onlyRun()
        let extractBefore = try fileBytes(runFolder.appendingPathComponent("extract"))
        let resumed = try run(path)
        try #require(resumed.exitCode == 0, "resume failed: \(resumed.stderr)")
        for stage in ["extract", "clean", "dedupe", "features"] {
            #expect(
                resumed.stdout.contains("\(stage.padding(toLength: 10, withPad: " ", startingAt: 0))skipped"),
                "\(resumed.stdout)")
        }
        #expect(resumed.stdout.contains("segment   ran"))
        #expect(resumed.stdout.contains("load      ran"))
        #expect(try fileBytes(runFolder.appendingPathComponent("extract")) == extractBefore)
        #expect(try Database.query(databaseURL, "SELECT count(*) FROM \(schema).current_segments") == "4")
    }

    @Test func secondRunOfTheSamePipelineExitsWith75WhileTheFirstHoldsTheLock() throws {
        defer { Scratch.remove(folder) }
        let path = try pipeline(k: 4)
        let checkpoints = workspace.checkpoints
        let first = try SegpipeBinary.start(
            [
                "run", "--pipeline", path, "--data-dir", data.path, "--database-url", databaseURL,
                "--checkpoint-dir", checkpoints.path, "--as-of", "2026-11-01",
            ],
            environment: ["SEGPIPE_STALL_STAGE": "extract"])
        defer {
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
        }
        var locked = false
        for _ in 0..<300 where !locked {
            Thread.sleep(forTimeInterval: 0.1)
            locked = FileManager.default.fileExists(atPath: checkpoints.appendingPathComponent(".e2e.lock").path)
        }
        Thread.sleep(forTimeInterval: 0.5)
        let second = try run(path)
        #expect(second.exitCode == 75, "\(second.stderr)")
        #expect(second.stderr.contains("holds the lock"))
    }

    @Test func everyCheckpointOpensInPyArrow() throws {
        defer { workspace.cleanUp() }
        let result = try run(try pipeline(k: 5))
        try #require(result.exitCode == 0, "\(result.stderr)")
        let script = """
            import sys, pathlib, pyarrow.feather as f
            files = sorted(pathlib.Path(sys.argv[1]).rglob("*.arrow"))
            assert len(files) >= 12, files
            for p in files:
                t = f.read_table(p)
                print(p.parent.name, p.name, t.num_rows)
            """
        let python = try Python.run(script, [try onlyRun().path])
        #expect(python.exitCode == 0, "\(python.stderr)")
        #expect(python.stdout.contains("segment customer_segments.arrow"))
    }
}
