import Columnar
import Foundation
import Postgres
import TestSupport
import Testing

@testable import Segmentation

/// A PostgreSQL source extracts the same rows as the CSV path for the same data.
@Suite(.serialized, .enabled(if: TestDatabase.isEnabled, "DATABASE_URL not set: run scripts/dev-postgres start"))
struct PostgresSourceTests {
    @Test func tableAndQuerySourcesMatchTheCSVExtract() throws {
        let schema = try TestSchema(prefix: "source")
        defer { schema.drop() }
        let folder = try TemporaryDirectory(prefix: "pg-source")
        let asOf = CalendarDate.days(year: 2026, month: 11, day: 1)
        _ = try SyntheticDataGenerator(customers: 400, seed: 3, asOf: asOf).write(to: folder.path)

        // Load the raw CSV records (those with the right field count) into text tables.
        for (table, fields) in [
            ("orders", CanonicalSchema.orders.fields), ("email_events", CanonicalSchema.emailEvents.fields),
            ("customers", CanonicalSchema.customers.fields),
        ] {
            let columns = fields.map { "\(PostgresIdentifier.quote($0.name)) text" }.joined(separator: ", ")
            try schema.connection.execute("CREATE TABLE \(schema.qualified(table)) (\(columns))")
            let reader = try CSVReader(path: folder.url("\(table).csv").path)
            var encoder = CopyTextEncoder()
            try reader.forEachRecord { record in
                guard record.fieldCount == fields.count, record.isValidUTF8 else { return }
                for index in 0..<fields.count { encoder.writeText(record.field(index)) }
                encoder.endRow()
            }
            try schema.connection.copyIn("COPY \(schema.qualified(table)) FROM STDIN") { writer in
                try writer.write(encoder.bytes)
            }
        }

        var context = StageFixtures.context()
        context.dataDirectory = folder.path
        context.asOf = asOf
        context.databaseURL = try TestDatabase.url()
        let fromCSV = try ExtractStage(context: context).run()

        context.configuration.sources = .init(
            customers: .init(table: "\(schema.name).customers"),
            orders: .init(query: "SELECT * FROM \(schema.qualified("orders"))"),
            emailEvents: .init(table: "\(schema.name).email_events", filter: "event_type IS NOT NULL OR true"))
        let fromDatabase = try ExtractStage(context: context).run()

        for name in ["customers", "orders", "email_events"] {
            let csvTable = try #require(fromCSV.table(name))
            let databaseTable = try #require(fromDatabase.table(name))
            #expect(csvTable.rowCount > 0)
            #expect(Self.rows(csvTable) == Self.rows(databaseTable), "\(name) differs")
        }
        let csvRejects = try RejectTable.rejects(in: try #require(fromCSV.table("rejects")))
        let databaseRejects = try RejectTable.rejects(in: try #require(fromDatabase.table("rejects")))
        // Rows with a wrong field count never reached the database; every other reject must agree.
        let comparable = csvRejects.filter { !$0.reason.hasPrefix("wrong field count") }
        #expect(comparable.map { "\($0.table):\($0.field):\($0.reason)" }.sorted()
            == databaseRejects.map { "\($0.table):\($0.field):\($0.reason)" }.sorted())
        #expect(fromDatabase.metrics["query.orders"]?.stringValue?.contains("COPY") == false)
        #expect(fromDatabase.metrics["query.customers"]?.stringValue?.hasPrefix("SELECT \"customer_id\"") == true)
    }

    /// Every row as text, without the source line, sorted: a multiset comparison.
    private static func rows(_ table: Table) -> [String] {
        let columns = table.columns.filter { $0.name != CanonicalSchema.lineColumn }
        return (0..<table.rowCount).map { row in
            columns.map { column -> String in
                guard column.isValid(row) else { return "∅" }
                switch column.values {
                case .utf8(let values): return values[row]
                case .dictionary(let values): return values[row]
                case .int64(let values): return String(values[row])
                case .float64(let values): return String(values[row])
                case .date32(let values): return String(values[row])
                case .timestamp(let values): return String(values[row])
                case .bool(let values): return String(values[row])
                }
            }.joined(separator: "|")
        }.sorted()
    }
}
