import Foundation
import Testing

/// A database source whose connection drops mid-COPY, or whose server cannot be reached, is read again with
/// backoff; a source that stays unreachable fails the extract without revealing secrets, and the next run
/// extracts it afresh.
///
/// The orders come from a query over a table in the test database; the customers from the generated CSV. The
/// query sleeps 5 ms per row while `gate.slow` is true (about 20 s for all rows), so the first COPY is still
/// running when the test terminates its backend; then the gate opens and the retry reads at full speed.
@Suite(.serialized) struct ExtractFaultTests {
    let workspace: Workspace
    var folder: URL { workspace.folder }
    var data: URL { workspace.data }
    var checkpoints: URL { workspace.checkpoints }
    var schema: String { workspace.schema }
    var databaseURL: String { workspace.databaseURL }
    /// Orders rows in the source table.
    let orderCount: Int

    init() throws {
        workspace = try Workspace(schemaPrefix: "segpipe_extract", customers: 400, seed: 11)
        let folder = workspace.folder
        let data = workspace.data
        let schema = workspace.schema
        let databaseURL = workspace.databaseURL

        // The generated orders (without the deliberately broken rows) as an all-text source table.
        let orders = try Self.wellFormedLines(of: data.appendingPathComponent("orders.csv"), fields: 8)
        let ordersFile = folder.appendingPathComponent("orders-source.csv")
        try Data(orders.joined(separator: "\n").utf8).write(to: ordersFile)
        orderCount = orders.count - 1
        let columns = ["order_id", "customer_id", "order_date", "amount", "currency", "category", "quantity", "status"]
        _ = try Database.query(
            databaseURL,
            """
            CREATE SCHEMA \(schema);
            CREATE TABLE \(schema).orders (\(columns.map { "\($0) text" }.joined(separator: ", ")));
            CREATE TABLE \(schema).gate (slow boolean NOT NULL);
            INSERT INTO \(schema).gate VALUES (false);
            CREATE FUNCTION \(schema).throttle() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                IF (SELECT slow FROM \(schema).gate) THEN PERFORM pg_sleep(0.005); END IF;
                RETURN true;
            END $$;
            """)
        _ = try Database.query(
            databaseURL, "\\copy \(schema).orders FROM '\(ordersFile.path)' WITH (FORMAT csv, HEADER)")
    }

    private func cleanUp() {
        workspace.cleanUp()
    }

    /// Lines of a CSV file (header included) with exactly `fields` fields, balanced quotes and valid UTF-8.
    private static func wellFormedLines(of file: URL, fields: Int) throws -> [String] {
        let bytes = try Data(contentsOf: file)
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { line -> String? in
            guard let text = String(validating: line, as: UTF8.self) else { return nil }
            var isQuoted = false
            var count = 1
            for character in text.utf8 {
                if character == UInt8(ascii: "\"") { isQuoted.toggle() }
                if character == UInt8(ascii: ","), !isQuoted { count += 1 }
            }
            return !isQuoted && count == fields && !text.contains("\r") ? text : nil
        }
    }

    /// The pipeline: customers from CSV, orders from the throttled query over the database named by
    /// `SEGPIPE_TEST_ORDERS_URL`.
    private func pipeline() throws -> String {
        let path = folder.appendingPathComponent("extract-faults.yaml").path
        try """
        name: extract_faults
        sources:
          customers: {path: customers.csv}
          orders:
            query: "SELECT * FROM \(schema).orders WHERE \(schema).throttle()"
            database_env: SEGPIPE_TEST_ORDERS_URL
        clean:
          max_reject_rate: 0.5
          currency_rates: {EUR: 1.0, CHF: 1.04, GBP: 1.17}
        segment: {k: 3}
        load: {schema: \(schema)_results}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func arguments(_ pipeline: String) -> [String] {
        [
            "run", "--pipeline", pipeline, "--data-dir", data.path, "--database-url", databaseURL,
            "--checkpoint-dir", checkpoints.path, "--as-of", "2026-11-01", "--log-format", "json",
        ]
    }

    /// The only run folder under the checkpoint root.
    private func onlyRun() throws -> URL {
        let runs = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).filter { !$0.hasPrefix(".") }
        try #require(runs.count == 1, "runs: \(runs)")
        return checkpoints.appendingPathComponent(runs[0])
    }

    /// Orders the extract read (extracted plus rejected), from its manifest.
    private func ordersRead(_ runFolder: URL) -> Int? {
        guard let extracted = extractMetric(runFolder, "rows_extracted.orders") as? Int,
            let rejected = extractMetric(runFolder, "rows_rejected.orders") as? Int
        else { return nil }
        return extracted + rejected
    }

    /// The extract manifest's metric `name`, as JSON-decoded.
    private func extractMetric(_ runFolder: URL, _ name: String) -> Any? {
        let path = runFolder.appendingPathComponent("extract/_manifest.json").path
        guard let contents = FileManager.default.contents(atPath: path),
            let manifest = try? JSONSerialization.jsonObject(with: contents) as? [String: Any],
            let metrics = manifest["metrics"] as? [String: Any]
        else { return nil }
        return metrics[name]
    }

    /// Log lines of the retries of the orders source.
    private static func retryLines(_ stderr: String) -> [Substring] {
        stderr.split(separator: "\n").filter {
            $0.contains("reading a database source failed; retrying") && $0.contains("\"source\":\"orders\"")
        }
    }

    // MARK: - Tests

    @Test func connectionTerminatedMidCopyIsReadAgainWithoutDuplicates() throws {
        defer {
            cleanUp()
            Database.dropSchema("\(schema)_results", url: databaseURL)
        }
        let path = try pipeline()
        _ = try Database.query(databaseURL, "UPDATE \(schema).gate SET slow = true")
        let resume = folder.appendingPathComponent("resume").path
        let log = folder.appendingPathComponent("run.log")
        let run = try SegpipeBinary.start(
            arguments(path),
            environment: [
                "SEGPIPE_TEST_ORDERS_URL": databaseURL, "SEGPIPE_PAUSE_AT": "extract:orders",
                "SEGPIPE_RESUME_FILE": resume,
            ], standardError: log)
        defer { if run.isRunning { run.terminate() } }

        // The COPY of the throttled query is running (its rows trickle in, segpipe pauses after the first): end
        // its session from here, as an administrator or a failover would.
        let copying = """
            SELECT pid FROM pg_stat_activity
            WHERE state = 'active' AND query LIKE 'COPY (SELECT%' AND query LIKE '%\(schema).throttle()%'
            """
        var backend = ""
        for _ in 0..<300 where backend.isEmpty {
            Thread.sleep(forTimeInterval: 0.1)
            backend = try Database.query(databaseURL, copying)
        }
        try #require(!backend.isEmpty, "the COPY never started")
        #expect(try Database.query(databaseURL, "SELECT pg_terminate_backend(\(backend))") == "t")
        _ = try Database.query(databaseURL, "UPDATE \(schema).gate SET slow = false")
        try #require(FileManager.default.createFile(atPath: resume, contents: nil))
        run.waitUntilExit()

        let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(run.terminationStatus == 0, "\(stderr)")
        let lines = stderr.split(separator: "\n")
        // segpipe had rows of the COPY in hand (it paused after the first) when its session was ended.
        let paused = try #require(
            lines.firstIndex { $0.contains("paused for a fault test") && $0.contains("extract:orders") }, "\(stderr)")
        let retried = try #require(
            lines.firstIndex { $0.contains("reading a database source failed; retrying") }, "\(stderr)")
        #expect(paused < retried)
        let retries = Self.retryLines(stderr)
        #expect(retries.count == 1, "\(stderr)")
        #expect(retries.first?.contains("57P01") == true, "\(stderr)")
        #expect(retries.first?.contains("\"attempt\":\"1\"") == true)
        let runFolder = try onlyRun()
        #expect(CheckpointWatch.status(runFolder, "extract") == "completed")
        #expect(extractMetric(runFolder, "retries.orders") as? Int == 1)
        // The rows of the dropped attempt were discarded: every order is read exactly once.
        #expect(ordersRead(runFolder) == orderCount)
        #expect(CheckpointWatch.status(runFolder, "load") == "completed")
    }

    @Test func unreachableSourceFailsWithoutSecretsAndTheNextRunExtracts() throws {
        defer {
            cleanUp()
            Database.dropSchema("\(schema)_results", url: databaseURL)
        }
        let path = try pipeline()
        // Port 1 on the loopback interface: nothing listens there, so every connection is refused at once.
        let unreachable = "postgresql://segpipe:s3cret-extract@127.0.0.1:1/segpipe"
        let failed = try SegpipeBinary.run(arguments(path), environment: ["SEGPIPE_TEST_ORDERS_URL": unreachable])
        #expect(failed.exitCode == 1, "\(failed.stderr)")
        #expect(
            failed.stderr.contains("source orders (query) cannot be read from PostgreSQL (4 attempts"),
            "\(failed.stderr)")
        let retries = Self.retryLines(failed.stderr)
        #expect(retries.count == 3, "\(failed.stderr)")
        for (index, line) in retries.enumerated() { #expect(line.contains("\"attempt\":\"\(index + 1)\"")) }
        #expect(!failed.stdout.contains("s3cret") && !failed.stderr.contains("s3cret"))
        #expect(!failed.stderr.contains(unreachable))
        let runFolder = try onlyRun()
        #expect(CheckpointWatch.status(runFolder, "extract") == "failed")
        #expect(CheckpointWatch.status(runFolder, "clean") == nil)
        let manifest = try String(
            contentsOf: runFolder.appendingPathComponent("extract/_manifest.json"), encoding: .utf8)
        #expect(!manifest.contains("s3cret"))

        // The server is back: the next run extracts the source again and completes.
        let next = try SegpipeBinary.run(arguments(path), environment: ["SEGPIPE_TEST_ORDERS_URL": databaseURL])
        #expect(next.exitCode == 0, "\(next.stderr)")
        #expect(Self.retryLines(next.stderr).isEmpty)
        #expect(CheckpointWatch.status(runFolder, "extract") == "completed")
        #expect(extractMetric(runFolder, "retries.orders") as? Int == 0)
        #expect(ordersRead(runFolder) == orderCount)
        #expect(CheckpointWatch.status(runFolder, "load") == "completed")
    }
}
