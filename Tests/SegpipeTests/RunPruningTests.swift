import Foundation
import Testing

/// `load.keep_runs` keeps the newest published runs of a pipeline: an older run's partitions of the per-customer
/// tables are dropped with its `runs` row, and reloading a run replaces its partitions.
@Suite(.serialized) struct RunPruningTests {
    @Test func keepRunsDropsTheOldestRunsPartitionsAndReloadsReplaceThem() throws {
        let workspace = try Workspace(schemaPrefix: "segpipe_prune", customers: 300, seed: 9)
        defer { workspace.cleanUp() }
        let url = workspace.databaseURL
        let schema = workspace.schema
        let pipeline = try workspace.writePipeline("prune", name: "prune", sections: "", load: "keep_runs: 2")
        for (runID, asOf) in [("night-1", "2026-11-01"), ("night-2", "2026-11-02"), ("night-3", "2026-11-03")] {
            let result = try SegpipeBinary.run(workspace.runArguments(pipeline, asOf: asOf, runID: runID))
            try #require(result.exitCode == 0, "\(result.stderr)")
        }
        #expect(
            try Database.query(url, "SELECT string_agg(run_id, ',' ORDER BY run_id) FROM \(schema).runs")
                == "night-2,night-3")
        for table in ["customer_segments", "customer_features", "customer_id_map", "rejects"] {
            #expect(
                try Database.query(
                    url, "SELECT count(*) FROM pg_inherits WHERE inhparent = '\(schema).\(table)'::regclass") == "2",
                "\(table) partitions")
            #expect(
                try Database.query(url, "SELECT count(*) FROM \(schema).\(table) WHERE run_id = 'night-1'") == "0")
        }
        let rows = try Database.query(
            url, "SELECT count(*) FROM \(schema).customer_segments WHERE run_id = 'night-3'")
        #expect((Int(rows) ?? 0) > 200)

        // Reloading the newest run replaces its partitions: same row count, still two partitions.
        let reload = try SegpipeBinary.run(
            workspace.runArguments(pipeline, asOf: "2026-11-03", runID: "night-3") + ["--stage", "load", "--force"])
        try #require(reload.exitCode == 0, "\(reload.stderr)")
        #expect(
            try Database.query(url, "SELECT count(*) FROM \(schema).customer_segments WHERE run_id = 'night-3'")
                == rows)
        #expect(
            try Database.query(
                url, "SELECT count(*) FROM pg_inherits WHERE inhparent = '\(schema).customer_segments'::regclass")
                == "2")
        #expect(
            try Database.query(url, "SELECT string_agg(run_id, ',' ORDER BY run_id) FROM \(schema).current_run")
                == "night-3")
    }
}
