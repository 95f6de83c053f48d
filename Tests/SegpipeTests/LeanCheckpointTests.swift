import Foundation
import Testing

/// A whole run with `dedupe.write_orders_and_events: false`: dedupe's checkpoint holds no orders or email events,
/// the features come out byte for byte as in a run that writes them, and features can be rerun on their own.
@Suite(.serialized) struct LeanCheckpointTests {
    @Test func dedupeWithoutOrdersAndEventsGivesTheSameFeatures() throws {
        let workspace = try Workspace(schemaPrefix: "segpipe_lean", customers: 800, seed: 5)
        defer { workspace.cleanUp() }
        func run(_ name: String, sections: String, _ extra: [String] = []) throws {
            let pipeline = try workspace.writePipeline(name, name: name, sections: sections)
            let result = try SegpipeBinary.run(
                workspace.runArguments(pipeline, asOf: "2026-11-01", runID: name) + extra)
            try #require(result.exitCode == 0, "\(result.stderr)")
        }
        let lean = "dedupe: {rules: [email], write_orders_and_events: false}"
        try run("full", sections: "dedupe: {rules: [email]}")
        try run("lean", sections: lean)

        func files(_ run: String, _ stage: String) throws -> [String: Data] {
            try Workspace.fileBytes(workspace.checkpoints.appendingPathComponent("\(run)/\(stage)"))
        }
        let manifest = workspace.checkpoints.appendingPathComponent("lean/dedupe/_manifest.json")
        let metrics = try #require(
            (try JSONSerialization.jsonObject(with: Data(contentsOf: manifest)) as? [String: Any])?["metrics"]
                as? [String: Any])
        #expect((metrics["duplicates_merged"] as? Int ?? 0) > 0, "the data has customers merged into others")
        let full = try files("full", "dedupe")
        let leanDedupe = try files("lean", "dedupe")
        #expect(full["orders.arrow"] != nil && full["email_events.arrow"] != nil && full["merged_rows.arrow"] == nil)
        #expect(
            leanDedupe["orders.arrow"] == nil && leanDedupe["email_events.arrow"] == nil
                && leanDedupe["merged_rows.arrow"] != nil)
        #expect(leanDedupe["customers.arrow"] == full["customers.arrow"])
        #expect(leanDedupe["customer_id_map.arrow"] == full["customer_id_map.arrow"])
        let features = try #require(try files("full", "features")["customer_features.arrow"])
        #expect(try files("lean", "features")["customer_features.arrow"] == features)

        // Features rerun alone from the lean checkpoints: clean's orders and events, dedupe's merged rows.
        try run("lean", sections: lean, ["--stage", "features", "--force"])
        #expect(try files("lean", "features")["customer_features.arrow"] == features)
    }
}
