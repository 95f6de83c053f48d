import Foundation
import Testing

/// Three nightly runs on consecutive dates, the second killed mid-way and resumed: three published runs and
/// transitions between the last two.
@Suite(.serialized) struct NightlySequenceTests {
    @Test func threeNightsWithACrashEndWithThreePublishedRunsAndTransitions() throws {
        let url = try Database.url()
        let folder = try Scratch.makeFolder()
        let schema = "segpipe_nightly_\(UUID().uuidString.prefix(8).lowercased())"
        defer {
            Scratch.remove(folder)
            Database.dropSchema(schema, url: url)
        }
        let data = folder.appendingPathComponent("data").path
        let generated = try SegpipeBinary.run([
            "generate", "--customers", "1200", "--out", data, "--seed", "9", "--as-of", "2026-11-03",
        ])
        try #require(generated.exitCode == 0, "\(generated.stderr)")
        let pipeline = folder.appendingPathComponent("nightly.yaml").path
        try """
            name: nightly
            sources:
              customers: {path: customers.csv}
              orders: {path: orders.csv}
              email_events: {path: email_events.csv}
            clean:
              max_reject_rate: 0.5
              currency_rates: {EUR: 1.0, CHF: 1.04, GBP: 1.17}
            segment: {k: 4}
            load: {schema: \(schema)}
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let checkpoints = folder.appendingPathComponent("checkpoints").path
        func arguments(_ asOf: String) -> [String] {
            [
                "run", "--pipeline", pipeline, "--data-dir", data, "--database-url", url, "--checkpoint-dir",
                checkpoints, "--as-of", asOf, "--log-format", "json",
            ]
        }

        let first = try SegpipeBinary.run(arguments("2026-11-01"))
        try #require(first.exitCode == 0, "\(first.stderr)")

        // The second night is killed during the features stage…
        let killed = try SegpipeBinary.start(arguments("2026-11-02"), environment: ["SEGPIPE_STALL_STAGE": "features"])
        let paused = CheckpointWatch.waitUntilRunning("features", under: URL(fileURLWithPath: checkpoints))
        kill(killed.processIdentifier, SIGKILL)
        killed.waitUntilExit()
        try #require(paused, "the second run never reached features")
        // … and the rerun of the same night resumes there.
        let resumed = try SegpipeBinary.run(arguments("2026-11-02"))
        try #require(resumed.exitCode == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("dedupe    skipped"))
        #expect(resumed.stdout.contains("features  ran"))

        let third = try SegpipeBinary.run(arguments("2026-11-03"))
        try #require(third.exitCode == 0, "\(third.stderr)")

        #expect(
            try Database.query(url, "SELECT string_agg(as_of::text, ',' ORDER BY as_of) FROM \(schema).runs WHERE status = 'published'")
                == "2026-11-01,2026-11-02,2026-11-03")
        #expect(try Database.query(url, "SELECT as_of FROM \(schema).current_run") == "2026-11-03")
        // Transitions cover every customer present on both of the last two nights.
        let moved = try Database.query(url, "SELECT sum(customers) FROM \(schema).segment_transitions")
        let common = try Database.query(
            url,
            """
            SELECT count(*) FROM \(schema).customer_segments c
            JOIN \(schema).runs rc ON rc.run_id = c.run_id AND rc.as_of = '2026-11-03'
            JOIN \(schema).customer_segments p ON p.customer_id = c.customer_id
            JOIN \(schema).runs rp ON rp.run_id = p.run_id AND rp.as_of = '2026-11-02'
            """)
        #expect(moved == common)
        #expect((Int(common) ?? 0) > 1000)
        // Stable ids: most customers keep their segment from one night to the next.
        let stayed = try Database.query(
            url,
            """
            SELECT count(*) FROM \(schema).customer_segments c
            JOIN \(schema).runs rc ON rc.run_id = c.run_id AND rc.as_of = '2026-11-03'
            JOIN \(schema).customer_segments p ON p.customer_id = c.customer_id AND p.segment_id = c.segment_id
            JOIN \(schema).runs rp ON rp.run_id = p.run_id AND rp.as_of = '2026-11-02'
            """)
        #expect(Double(stayed) ?? 0 > 0.9 * (Double(common) ?? 1))
    }
}
