import Foundation
import Testing

/// Publication is atomic: a load that dies halfway leaves the previous run published, and loads are idempotent.
@Suite(.serialized) struct LoadFaultTests {
    let folder: URL
    let data: URL
    let schema: String

    init() throws {
        folder = try Scratch.makeFolder()
        data = folder.appendingPathComponent("data")
        schema = "segpipe_fault_\(UUID().uuidString.prefix(8).lowercased())"
        let generated = try SegpipeBinary.run([
            "generate", "--customers", "800", "--out", data.path, "--seed", "3", "--as-of", "2026-11-01",
        ])
        try #require(generated.exitCode == 0, "generate failed: \(generated.stderr)")
    }

    private func pipeline() throws -> String {
        let path = folder.appendingPathComponent("faults.yaml").path
        try """
            name: faults
            sources:
              customers: {path: customers.csv}
              orders: {path: orders.csv}
            clean:
              max_reject_rate: 0.5
              currency_rates: {EUR: 1.0, CHF: 1.04, GBP: 1.17}
            segment: {k: 3}
            load: {schema: \(schema)}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func arguments(_ pipeline: String, url: String, asOf: String, _ extra: [String] = []) -> [String] {
        [
            "run", "--pipeline", pipeline, "--data-dir", data.path, "--database-url", url, "--checkpoint-dir",
            folder.appendingPathComponent("checkpoints").path, "--as-of", asOf, "--log-format", "json",
        ] + extra
    }

    @Test func loadingTheSameRunTwiceLeavesExactlyOneCopy() throws {
        let url = try Database.url()
        defer {
            Scratch.remove(folder)
            Database.dropSchema(schema, url: url)
        }
        let path = try pipeline()
        let first = try SegpipeBinary.run(arguments(path, url: url, asOf: "2026-10-01"))
        try #require(first.exitCode == 0, "\(first.stderr)")
        let counts = "SELECT (SELECT count(*) FROM \(schema).customer_segments) || '/' || (SELECT count(*) FROM \(schema).customer_features) || '/' || (SELECT count(*) FROM \(schema).segments) || '/' || (SELECT count(*) FROM \(schema).runs)"
        let before = try Database.query(url, counts)
        for _ in 0..<2 {
            let again = try SegpipeBinary.run(arguments(path, url: url, asOf: "2026-10-01", ["--stage", "load"]))
            try #require(again.exitCode == 0, "\(again.stderr)")
        }
        #expect(try Database.query(url, counts) == before)
        #expect(before.hasSuffix("/3/1"))
        // Each per-customer table has one partition for the run, its indexes named after it, and no staging table
        // is left behind.
        for (table, suffixes) in [("customer_features", ["_pkey"]), ("customer_segments", ["_idx1", "_pkey"])] {
            let pattern = table.replacingOccurrences(of: "_", with: "\\_") + "\\_%"
            let objects = try Database.query(
                url,
                """
                SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = '\(schema)' AND c.relispartition AND c.relname LIKE '\(pattern)'
                """)
            let partition = try #require(objects.split(separator: ",").first.map(String.init))
            #expect(objects == ([partition] + suffixes.map { partition + $0 }).joined(separator: ","), "\(table)")
            // Copied frozen: every page of the new partition is already all-visible, so the first queries
            // neither set hint bits nor wait for vacuum to use index-only scans.
            let visibility = try Database.query(
                url,
                "SELECT relpages || '/' || relallvisible FROM pg_class WHERE oid = '\(schema).\(partition)'::regclass"
            )
            let pages = visibility.split(separator: "/")
            #expect(pages.count == 2 && pages[0] == pages[1] && pages[0] != "0", "pages/all-visible: \(visibility)")
        }
        #expect(try Database.query(url, Self.stagingTables(in: schema)) == "0")
    }

    /// Counts the staging tables left in `schema` (other tests load into other schemas at the same time).
    static func stagingTables(in schema: String) -> String {
        """
        SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '\(schema)' AND c.relname LIKE '%\\_staging%'
        """
    }

    @Test func serverStoppedDuringLoadKeepsThePreviousRunAndTheNextLoadPublishes() throws {
        defer { Scratch.remove(folder) }
        // A server of its own, so stopping it disturbs no other test.
        let serverFolder = folder.appendingPathComponent("pg")
        let environment = ["SEGPIPE_PG_DIR": serverFolder.path]
        let devPostgres = SegpipeBinary.packageRoot.appendingPathComponent("scripts/dev-postgres").path
        let started = try Shell.run(devPostgres, ["start"], environment: environment)
        try #require(started.exitCode == 0, "\(started.stderr)")
        let url = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        defer { _ = try? Shell.run(devPostgres, ["stop"], environment: environment) }

        let path = try pipeline()
        let first = try SegpipeBinary.run(arguments(path, url: url, asOf: "2026-10-01"))
        try #require(first.exitCode == 0, "\(first.stderr)")
        let firstRun = try Database.query(url, "SELECT run_id FROM \(schema).current_run")

        // The second run pauses inside the load transaction; the server goes down under it.
        let resume = folder.appendingPathComponent("resume").path
        let second = try SegpipeBinary.start(
            arguments(path, url: url, asOf: "2026-11-01"),
            environment: ["SEGPIPE_PAUSE_AT": "load:customer_segments", "SEGPIPE_RESUME_FILE": resume])
        let checkpoints = folder.appendingPathComponent("checkpoints")
        let loading = CheckpointWatch.waitUntilRunning("load", under: checkpoints)
        try #require(loading, "the second load never started")
        Thread.sleep(forTimeInterval: 1)
        let stopped = try Shell.run(devPostgres, ["stop"], environment: environment)
        #expect(stopped.exitCode == 0)
        _ = FileManager.default.createFile(atPath: resume, contents: nil)
        second.waitUntilExit()
        #expect(second.terminationStatus == 1)

        let restarted = try Shell.run(devPostgres, ["start"], environment: environment)
        try #require(restarted.exitCode == 0, "\(restarted.stderr)")
        // The previous run is still the published one, complete and queryable.
        #expect(try Database.query(url, "SELECT run_id FROM \(schema).current_run") == firstRun)
        #expect(try Database.query(url, "SELECT count(*) FROM \(schema).current_segments") == "3")
        #expect(try Database.query(url, "SELECT count(*) FROM \(schema).runs WHERE status = 'published'") == "1")

        // The next load of the interrupted run publishes it cleanly.
        let reload = try SegpipeBinary.run(arguments(path, url: url, asOf: "2026-11-01", ["--stage", "load"]))
        #expect(reload.exitCode == 0, "\(reload.stderr)")
        let current = try Database.query(url, "SELECT run_id FROM \(schema).current_run")
        #expect(current != firstRun)
        #expect(try Database.query(url, "SELECT count(*) FROM \(schema).runs WHERE status = 'published'") == "2")
        let customers = try Database.query(url, "SELECT count(*) FROM \(schema).current_customer_segments")
        let features = try Database.query(url, "SELECT count(*) FROM \(schema).customer_features WHERE run_id = '\(current)'")
        #expect(customers == features)
        // The interrupted load's staged partitions were swept away by the next one.
        #expect(try Database.query(url, Self.stagingTables(in: schema)) == "0")
    }
}
