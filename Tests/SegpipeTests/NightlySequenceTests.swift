import Foundation
import Testing

/// Three nightly runs on consecutive dates, the second killed mid-way and resumed: three published runs and
/// transitions between the last two.
@Suite(.serialized) struct NightlySequenceTests {
    @Test func threeNightsWithACrashEndWithThreePublishedRunsAndTransitions() throws {
        let workspace = try Workspace(schemaPrefix: "segpipe_nightly", customers: 1200, seed: 9, asOf: "2026-11-03")
        defer { workspace.cleanUp() }
        let url = workspace.databaseURL
        let schema = workspace.schema
        let checkpoints = workspace.checkpoints.path
        let pipeline = try workspace.writePipeline("nightly", name: "nightly", sections: "segment: {k: 4}")
        func arguments(_ asOf: String) -> [String] { workspace.runArguments(pipeline, asOf: asOf) }

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
