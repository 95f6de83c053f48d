import Foundation
import Testing

/// `segment.score_with` scores a later run with an earlier run's model: its transform parameters and centroids,
/// nothing fitted again.
@Suite(.serialized) struct ScoringTests {
    @Test func laterRunsAreScoredWithTheEarlierModel() throws {
        let workspace = try Workspace(schemaPrefix: "segpipe_scoring", customers: 1500, seed: 11, asOf: "2026-11-02")
        defer { workspace.cleanUp() }
        let url = workspace.databaseURL
        let schema = workspace.schema
        let checkpoints = workspace.checkpoints
        func pipeline(_ name: String, scoreWith: String?) throws -> String {
            try workspace.writePipeline(
                name, name: "scoring",
                sections: """
                    features:
                      clustering: [recency_days, frequency, monetary_total]
                      winsorize: {monetary_total: 0.99}
                      categorical: {country: 0.5}
                    segment: {k: 4\(scoreWith.map { ", score_with: \($0)" } ?? "")}
                    """)
        }
        func run(_ pipeline: String, _ asOf: String, _ runID: String) throws -> SegpipeBinary.Result {
            try SegpipeBinary.run(workspace.runArguments(pipeline, asOf: asOf, runID: runID))
        }
        func manifest(_ runID: String) throws -> [String: Any] {
            let file = checkpoints.appendingPathComponent("\(runID)/segment/_manifest.json")
            return try #require(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        }
        func metrics(_ runID: String) throws -> [String: Any] {
            try #require(try manifest(runID)["metrics"] as? [String: Any])
        }

        let fitted = try run(try pipeline("fit", scoreWith: nil), "2026-11-01", "model")
        try #require(fitted.exitCode == 0, "\(fitted.stderr)")

        // The same data scored with the model's parameters lands every customer in the same segment.
        let same = try run(try pipeline("again", scoreWith: "model"), "2026-11-01", "same-data")
        try #require(same.exitCode == 0, "\(same.stderr)")
        #expect(try metrics("same-data")["scored_with"] as? String == "model")
        let differing = try Database.query(
            url,
            """
            SELECT count(*) FROM \(schema).customer_segments a
            JOIN \(schema).customer_segments b USING (customer_id)
            WHERE a.run_id = 'model' AND b.run_id = 'same-data' AND a.segment_id <> b.segment_id
            """)
        #expect(differing == "0")
        #expect(
            try Database.query(url, "SELECT count(*) FROM \(schema).customer_segments WHERE run_id = 'same-data'")
                == (try Database.query(url, "SELECT count(*) FROM \(schema).customer_segments WHERE run_id = 'model'")))

        // A later night with `previous` keeps the model's transform parameters and centroids exactly.
        let later = try run(try pipeline("later", scoreWith: "previous"), "2026-11-02", "next-night")
        try #require(later.exitCode == 0, "\(later.stderr)")
        let laterMetrics = try metrics("next-night")
        #expect(laterMetrics["scored_with"] as? String == "same-data")
        let modelScaling = try #require(try metrics("model")["scaling"] as? [String: Any])
        let laterScaling = try #require(laterMetrics["scaling"] as? [String: Any])
        for feature in ["recency_days", "frequency", "monetary_total"] {
            let model = try #require(modelScaling[feature] as? [String: Any])
            let scored = try #require(laterScaling[feature] as? [String: Any])
            #expect(model["center"] as? Double == scored["center"] as? Double, "\(feature)")
            #expect(model["scale"] as? Double == scored["scale"] as? Double, "\(feature)")
            #expect(model["fill"] as? Double == scored["fill"] as? Double, "\(feature)")
        }
        #expect(
            try Database.query(
                url,
                """
                SELECT string_agg(segment_id::text, ',' ORDER BY segment_id) FROM \(schema).segments
                WHERE run_id = 'next-night' AND method NOT IN ('rfm', 'rules')
                """)
                == (try Database.query(
                    url,
                    """
                    SELECT string_agg(segment_id::text, ',' ORDER BY segment_id) FROM \(schema).segments
                    WHERE run_id = 'model' AND method NOT IN ('rfm', 'rules')
                    """)))

        // A run id without a segment checkpoint is a configuration error naming it.
        let missing = try run(try pipeline("missing", scoreWith: "no-such-run"), "2026-11-02", "bad-reference")
        #expect(missing.exitCode == 2)
        #expect(missing.stderr.contains("no-such-run"))
    }
}
