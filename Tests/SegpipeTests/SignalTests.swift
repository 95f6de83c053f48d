import Foundation
import Testing

/// Running unattended: SIGTERM cancels a run cleanly, and the PostgreSQL advisory lock keeps two machines from
/// loading the same pipeline at once.
///
/// Each test uses its own checkpoint folder, database schema and pipeline name (the advisory lock is per pipeline
/// and the database is shared).
@Suite(.serialized) struct SignalTests {
    let workspace: Workspace
    var folder: URL { workspace.folder }
    var data: URL { workspace.data }
    /// The pipeline name, also its schema.
    var name: String { workspace.schema }
    var databaseURL: String { workspace.databaseURL }

    init() throws {
        workspace = try Workspace(schemaPrefix: "signals", customers: 600, seed: 5)
    }

    private var checkpoints: URL { workspace.checkpoints }

    private func pipeline() throws -> String {
        let path = folder.appendingPathComponent("signals.yaml").path
        let yaml = """
            name: \(name)
            sources:
              customers: {path: customers.csv}
              orders: {path: orders.csv}
            clean:
              currency_rates: {EUR: 1.0, CHF: 1.04, GBP: 1.17}
            segment: {k: 3, seed: 42}
            load: {schema: \(name)}
            """
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func arguments(_ pipeline: String, _ extra: [String] = []) -> [String] {
        [
            "run", "--pipeline", pipeline, "--data-dir", data.path, "--database-url", databaseURL,
            "--checkpoint-dir", checkpoints.path, "--as-of", "2026-11-01", "--log-format", "json",
        ] + extra
    }

    private func cleanUp() {
        workspace.cleanUp()
    }

    /// The manifest text of `stage` of the only run, or nil while it does not exist.
    private func manifest(_ stage: String) -> String? {
        guard let runs = try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path),
            let run = runs.first(where: { !$0.hasPrefix(".") })
        else { return nil }
        return try? String(
            contentsOfFile: checkpoints.appendingPathComponent("\(run)/\(stage)/_manifest.json").path, encoding: .utf8)
    }

    /// Waits up to `seconds` for `condition`; returns whether it came true.
    private func wait(seconds: Double, for condition: () throws -> Bool) rethrows -> Bool {
        for _ in 0..<Int(seconds * 10) {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return try condition()
    }

    /// Sends SIGTERM to `process` and waits up to ten seconds for it to exit (then kills it, so a hang fails).
    private func terminate(_ process: Process) -> Bool {
        kill(process.processIdentifier, SIGTERM)
        let exited = wait(seconds: 10) { !process.isRunning }
        if !exited { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return exited
    }

    @Test func sigtermDuringSegmentFailsTheStageAndTheNextRunResumesThere() throws {
        defer { cleanUp() }
        let path = try pipeline()
        let process = try SegpipeBinary.start(arguments(path), environment: ["SEGPIPE_PAUSE_AT": "stage:segment"])
        let paused = wait(seconds: 60) { manifest("segment")?.contains("\"running\"") == true }
        let exited = terminate(process)
        try #require(paused, "the segment stage never started")
        #expect(exited, "segpipe did not exit within 10 s of SIGTERM")
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 1)
        let segment = try #require(manifest("segment"))
        #expect(segment.contains("\"failed\""))
        #expect(segment.contains("\"cancelled by signal\""))
        #expect(manifest("features")?.contains("\"completed\"") == true)

        let summaryPath = folder.appendingPathComponent("summary.json")
        let resumed = try SegpipeBinary.run(arguments(path, ["--summary-file", summaryPath.path]))
        try #require(resumed.exitCode == 0, "resume failed: \(resumed.stderr)")
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: summaryPath)) as? [String: Any])
        #expect((summary["duration_seconds"] as? Double ?? 0) > 0)
        #expect((summary["peak_memory_bytes"] as? Int ?? 0) > 1_000_000)
        #expect(resumed.stdout.contains("peak memory"), "\(resumed.stdout)")
        for stage in ["extract", "clean", "dedupe", "features"] {
            #expect(
                resumed.stdout.contains("\(stage.padding(toLength: 10, withPad: " ", startingAt: 0))skipped"),
                "\(resumed.stdout)")
        }
        #expect(resumed.stdout.contains("segment   ran"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("load      ran"), "\(resumed.stdout)")
    }

    @Test func sigtermDuringTheLoadRollsBackAndPublishesNothing() throws {
        defer { cleanUp() }
        let path = try pipeline()
        let process = try SegpipeBinary.start(arguments(path), environment: ["SEGPIPE_PAUSE_AT": "load:segments"])
        // Paused inside the load transaction, right after the segments were copied.
        let paused = wait(seconds: 60) {
            (try? Database.query(
                databaseURL,
                """
                SELECT count(*) FROM pg_stat_activity
                WHERE state = 'idle in transaction' AND query LIKE 'COPY %\(name)%segments%'
                """)) == "1"
        }
        let exited = terminate(process)
        try #require(paused, "the load never reached the pause point")
        #expect(exited, "segpipe did not exit within 10 s of SIGTERM")
        #expect(process.terminationStatus == 1)
        #expect(manifest("load")?.contains("\"cancelled by signal\"") == true)
        #expect(try Database.query(databaseURL, "SELECT count(*) FROM \(name).segments") == "0")
        #expect(try Database.query(databaseURL, "SELECT count(*) FROM \(name).current_segments") == "0")
        #expect(try Database.query(databaseURL, "SELECT string_agg(status, ',') FROM \(name).runs") == "failed")
        // The partitions filled before the publishing transaction are dropped with it.
        #expect(
            try Database.query(
                databaseURL,
                """
                SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = '\(name)' AND c.relname LIKE '%\\_staging%'
                """) == "0")
    }

    @Test func loadExitsWith75WhileAnotherSessionHoldsThePipelinesAdvisoryLock() throws {
        defer { cleanUp() }
        let path = try pipeline()
        let first = try SegpipeBinary.run(arguments(path))
        try #require(first.exitCode == 0, "\(first.stderr)")

        // Another machine's load: a session holding the pipeline's advisory lock.
        let holderName = "segpipe_lock_holder_\(name)"
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = [
            "psql", databaseURL, "-X", "-q", "-c",
            "SELECT pg_advisory_lock(hashtext('segpipe.run.\(name)')); SELECT pg_sleep(60)",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["PGAPPNAME"] = holderName
        holder.environment = environment
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        holder.standardInput = FileHandle.nullDevice
        try holder.run()
        defer {
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
            // The server would keep the orphaned session (and its lock) until pg_sleep ends.
            _ = try? Database.query(
                databaseURL,
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(holderName)'")
        }
        let held = wait(seconds: 30) {
            (try? Database.query(
                databaseURL,
                """
                SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = '\(holderName)'
                """)) == "1"
        }
        try #require(held, "the psql session never took the advisory lock")

        let second = try SegpipeBinary.run(arguments(path, ["--stage", "load"]))
        #expect(second.exitCode == 75, "\(second.stderr)")
        #expect(second.stderr.contains("advisory lock"), "\(second.stderr)")
        #expect(try Database.query(databaseURL, "SELECT string_agg(status, ',') FROM \(name).runs") == "published")
    }
}
