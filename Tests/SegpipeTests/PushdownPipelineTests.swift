import Foundation
import Testing

/// A whole run with `features.pushdown: true` over an orders source in PostgreSQL: the orders are never extracted,
/// and the loaded features equal those of a run that extracts the same orders.
@Suite(.serialized) struct PushdownPipelineTests {
    @Test func pushdownRunLoadsTheSameFeaturesWithoutExtractingOrders() throws {
        let workspace = try Workspace(schemaPrefix: "segpipe_pushdown", customers: 800, seed: 5)
        defer { workspace.cleanUp() }
        let url = workspace.databaseURL
        let schema = workspace.schema
        // The generated orders as a source table, keeping the lines with eight plain fields, an ISO date and a point
        // decimal: pushdown reads `order_date` and `amount` as typed values (see the pipeline reference).
        let generated = try String(contentsOf: workspace.data.appendingPathComponent("orders.csv"), encoding: .utf8)
        let plain = try Regex(#"^[^,"]*,[^,"]*,\d{4}-\d\d-\d\d,-?\d+(\.\d+)?,[^,"]*,[^,"]*,\d+,[^,"]*$"#)
        let lines = generated.split(whereSeparator: \.isNewline).dropFirst().filter { $0.wholeMatch(of: plain) != nil }
        #expect(lines.count > 3000)
        let orders = workspace.folder.appendingPathComponent("orders_source.csv")
        try lines.joined(separator: "\n").write(to: orders, atomically: true, encoding: .utf8)
        let load = try Shell.run(
            "/usr/bin/env",
            [
                "psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1",
                "-c", "CREATE SCHEMA \(schema)",
                "-c",
                """
                CREATE TABLE \(schema).orders_source (order_id text, customer_id text, order_date date,
                  amount numeric, currency text, category text, quantity int, status text)
                """,
                "-c", "\\copy \(schema).orders_source FROM '\(orders.path)' (FORMAT csv)",
            ])
        try #require(load.exitCode == 0, "\(load.stderr)")
        let source = "{table: \(schema).orders_source}"
        func run(_ name: String, pushdown: Bool) throws {
            let pipeline = try workspace.writePipeline(
                name, name: name, sections: "features: {pushdown: \(pushdown)}", orders: source)
            let result = try SegpipeBinary.run(workspace.runArguments(pipeline, asOf: "2026-11-01", runID: name))
            try #require(result.exitCode == 0, "\(result.stderr)")
        }
        try run("extracted", pushdown: false)
        try run("pushed", pushdown: true)

        func metrics(_ run: String, _ stage: String) throws -> [String: Any] {
            let file = workspace.checkpoints.appendingPathComponent("\(run)/\(stage)/_manifest.json")
            let manifest = try #require(
                JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
            return try #require(manifest["metrics"] as? [String: Any])
        }
        let extract = try metrics("pushed", "extract")
        #expect(extract["source.orders"] as? String == "left in the source (features.pushdown)")
        #expect(extract["rows_extracted.orders"] as? Int == 0)
        #expect(try (metrics("extracted", "extract")["rows_extracted.orders"] as? Int ?? 0) > 1000)
        let pushdown = try #require(try metrics("pushed", "features")["pushdown"] as? [String: Any])
        let fetched = try #require(pushdown["rows_fetched"] as? Int)
        #expect(fetched > 500)

        // Every loaded feature matches, amounts up to the order in which they were added.
        let differing = try Database.query(
            url,
            """
            SELECT count(*)
            FROM (SELECT * FROM \(schema).customer_features WHERE run_id = 'extracted') a
            FULL JOIN (SELECT * FROM \(schema).customer_features WHERE run_id = 'pushed') b USING (customer_id)
            WHERE (a.run_id IS NULL OR b.run_id IS NULL
               OR a.frequency IS DISTINCT FROM b.frequency OR a.recency_days IS DISTINCT FROM b.recency_days
               OR a.purchase_days IS DISTINCT FROM b.purchase_days OR a.return_rate IS DISTINCT FROM b.return_rate
               OR a.category_count IS DISTINCT FROM b.category_count OR a.top_category IS DISTINCT FROM b.top_category
               OR a.first_order_date IS DISTINCT FROM b.first_order_date
               OR abs(a.monetary_total - b.monetary_total) > 1e-9 * (1 + abs(a.monetary_total))
               OR abs(coalesce(a.predicted_clv_12m, 0) - coalesce(b.predicted_clv_12m, 0))
                  > 1e-6 * (1 + abs(coalesce(a.predicted_clv_12m, 0))))
            """)
        #expect(differing == "0")
        let customers = try Database.query(
            url,
            "SELECT count(*) FILTER (WHERE frequency > 0) FROM \(schema).customer_features WHERE run_id = 'pushed'"
        )
        #expect((Int(customers) ?? 0) > 500)
    }
}
