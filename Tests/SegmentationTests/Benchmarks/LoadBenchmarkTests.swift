import Foundation
import Postgres
import TestSupport
import Testing

@testable import Segmentation

/// The load benchmark copies what it claims, and its CSV file for psql holds exactly the same rows.
@Suite(.serialized, .enabled(if: TestDatabase.isEnabled, "DATABASE_URL not set: run scripts/dev-postgres start"))
struct LoadBenchmarkTests {
    @Test func binaryCopyAndCSVFileHoldTheSameRows() throws {
        let schema = try TestSchema(prefix: "bench_load")
        defer { schema.drop() }
        let rows = 2_345
        let measurement = try LoadBenchmark.run(rows: rows, databaseURL: try TestDatabase.url(), schema: schema.name)
        #expect(measurement.rows == rows)
        #expect(measurement.isUnlogged == false)
        // A second run empties the table first.
        let again = try LoadBenchmark.run(rows: rows, databaseURL: try TestDatabase.url(), schema: schema.name)
        #expect(again.rows == rows)

        let folder = try TemporaryDirectory(prefix: "bench-load")
        let csv = folder.path("rows.csv")
        try LoadBenchmark.writeCSV(rows: rows, to: csv)
        let definition = LoadBenchmark.columns.map { "\(PostgresIdentifier.quote($0.name)) \($0.type)" }
            .joined(separator: ", ")
        let copied = schema.qualified("from_csv")
        try schema.connection.execute("CREATE TABLE \(copied) (\(definition))")
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: csv)))
        let count = try schema.connection.copyIn("COPY \(copied) FROM STDIN (FORMAT csv, HEADER)") { writer in
            try writer.write(bytes)
        }
        #expect(count == rows)

        let original = schema.qualified("customer_segments")
        let difference = try schema.connection.execute(
            """
            SELECT (SELECT count(*) FROM (SELECT * FROM \(original) EXCEPT ALL SELECT * FROM \(copied)) a)
                 + (SELECT count(*) FROM (SELECT * FROM \(copied) EXCEPT ALL SELECT * FROM \(original)) b),
                   (SELECT count(*) FROM \(original) WHERE rfm_score IS NULL)
            """)
        #expect(difference.string(row: 0, column: 0) == "0")
        #expect(difference.string(row: 0, column: 1) == "\(rows / 10)")
    }
}
