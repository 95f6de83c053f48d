import Foundation
import Testing

/// Every sample query of docs/analyst-guide.md runs against a real load of two runs and returns rows.
@Suite(.serialized) struct AnalystGuideTests {
    /// The SQL blocks of the analyst guide, in order.
    static func sampleQueries() throws -> [String] {
        let guide = try String(
            contentsOf: SegpipeBinary.packageRoot.appendingPathComponent("docs/analyst-guide.md"), encoding: .utf8)
        var queries: [String] = []
        var current: [String]?
        for line in guide.components(separatedBy: "\n") {
            if line == "```sql" {
                current = []
            } else if line == "```", let block = current {
                queries.append(block.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return queries
    }

    @Test func everySampleQueryReturnsRowsAfterTwoRuns() throws {
        // One export, observed on two dates: orders after the first date are rejected in the first run.
        let workspace = try Workspace(schemaPrefix: "segpipe_guide", customers: 2000, seed: 5)
        defer { workspace.cleanUp() }
        let databaseURL = workspace.databaseURL
        let schema = workspace.schema
        let pipeline = try workspace.writePipeline("guide", name: "guide", sections: "segment: {k: 5}")
        for asOf in ["2026-07-01", "2026-11-01"] {
            let run = try SegpipeBinary.run(workspace.runArguments(pipeline, asOf: asOf))
            try #require(run.exitCode == 0, "\(run.stderr)")
        }
        // Every table, view and column carries a comment.
        let uncommented = try Database.query(
            databaseURL,
            """
            SELECT coalesce(string_agg(c.relname || '.' || coalesce(a.attname, ''), ', '), '')
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = '\(schema)' AND c.relkind IN ('r', 'p', 'v')
              AND (obj_description(c.oid, 'pg_class') IS NULL
                   OR (a.attnum IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL))
            """)
        #expect(uncommented.isEmpty, "without comment: \(uncommented)")
        let queries = try Self.sampleQueries()
        #expect(queries.count >= 10)
        for (index, query) in queries.enumerated() {
            let sql = "SELECT count(*) FROM (\(query.replacingOccurrences(of: "segpipe.", with: "\(schema).").trimmingCharacters(in: CharacterSet(charactersIn: ";\n ")))) AS sample"
            let rows = try Database.query(databaseURL, sql)
            #expect((Int(rows) ?? 0) > 0, "sample query \(index + 1) returned no rows:\n\(query)")
        }
    }
}
