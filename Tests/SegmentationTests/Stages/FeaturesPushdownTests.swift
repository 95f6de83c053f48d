import Columnar
import Foundation
import Postgres
import TestSupport
import Testing

@testable import Segmentation

/// `features.pushdown` computes the same order aggregates in PostgreSQL as the in-process path.
@Suite(.serialized, .enabled(if: TestDatabase.isEnabled, "DATABASE_URL not set: run scripts/dev-postgres start"))
struct FeaturesPushdownTests {
    /// The columns the pushdown query computes (and those derived from them).
    static let pushedColumns = [
        "recency_days", "frequency", "monetary_total", "avg_order_value", "first_order_date", "last_order_date",
        "return_rate", "clv_historical_12m",
    ]

    @Test func pushdownAndInProcessAggregatesAreIdentical() throws {
        let schema = try TestSchema(prefix: "pushdown")
        defer { schema.drop() }
        let folder = try TemporaryDirectory(prefix: "pushdown")
        let asOf = CalendarDate.days(year: 2026, month: 11, day: 1)
        _ = try SyntheticDataGenerator(customers: 600, seed: 11, asOf: asOf).write(to: folder.path)

        var context = StageFixtures.context()
        context.dataDirectory = folder.path
        context.asOf = asOf
        context.databaseURL = try TestDatabase.url()
        context.configuration.clean.maxRejectRate = 1
        context.configuration.clean.currencyRates = ["EUR": 1.0, "CHF": 2.0, "USD": 0.5]
        context.configuration.sources = .init(
            customers: .init(path: "customers.csv"), orders: .init(path: "orders.csv"),
            emailEvents: .init(path: "email_events.csv", required: false))
        let extract = try ExtractStage(context: context).run()

        // Amounts in quarters, so every sum is exact whatever order the server adds in (see the pushdown docs).
        var orders = try #require(extract.table("orders"))
        let quarters = try orders.doubles("amount").map { ($0 * 4).rounded() / 4 }
        orders = try Table(
            columns: orders.columns.map {
                $0.name == "amount" ? Column(name: "amount", values: .float64(quarters)) : $0
            })
        try Self.load(orders, into: schema)

        var inputs = StageInputs()
        for (name, table) in extract.tables { inputs.set(name == "orders" ? orders : table, named: name, of: .extract) }
        let clean = try CleanStage(context: context).run(inputs)
        for (name, table) in clean.tables { inputs.set(table, named: name, of: .clean) }
        let dedupe = try DedupeStage(context: context).run(inputs)
        for (name, table) in dedupe.tables { inputs.set(table, named: name, of: .dedupe) }
        let merged = try #require(dedupe.metrics["duplicates_merged"]?.intValue)
        #expect(merged > 0, "the data should exercise combining source customers per merged id")

        let inProcess = try FeaturesStage(context: context).run(inputs)
        var pushed = context
        pushed.configuration.sources.orders = .init(table: "\(schema.name).orders")
        pushed.configuration.features.pushdown = true
        let pushdown = try FeaturesStage(context: pushed).run(inputs)

        let expected = try #require(inProcess.table("customer_features"))
        let actual = try #require(pushdown.table("customer_features"))
        #expect(expected.rowCount == actual.rowCount)
        #expect(try expected.int64s("frequency").reduce(0, +) > 1000)
        for name in Self.pushedColumns {
            let left = try #require(expected[name])
            let right = try #require(actual[name])
            #expect(left == right, "\(name) differs")
        }
        let fetched = try #require(pushdown.metrics["pushdown"])
        #expect(fetched != .bool(false))
        #expect(inProcess.metrics["pushdown"] == .bool(false))
    }

    @Test func pushdownAppliesTheCleanRulesInSQL() throws {
        let schema = try TestSchema(prefix: "pushdown_rules")
        defer { schema.drop() }
        try schema.connection.executeScript(
            """
            CREATE TABLE orders (order_id text, customer_id text, order_date date, amount numeric, currency text,
                                 category text, quantity int, status text);
            INSERT INTO orders VALUES
              ('1', ' A ', '2026-01-30', 10.5, 'eur', 'x', 1, 'Completed'),
              ('1', 'A', '2026-01-30', 10.5, 'EUR', 'x', 1, 'completed'),
              ('2', 'A', '2025-01-01', 20, '', 'x', 1, 'paid'),
              ('3', 'A', '2026-02-05', 99, 'EUR', 'x', 1, 'completed'),
              ('4', 'A', '2026-01-01', 99, 'XXX', 'x', 1, 'completed'),
              ('5', 'A', '2026-01-01', 99, 'EUR', 'x', 1, 'mystery'),
              ('6', 'A', '2026-01-01', -5, 'EUR', 'x', 1, 'completed'),
              ('7', 'A', '2026-01-02', 7, 'CHF', 'x', 1, 'retoure'),
              ('8', 'B', '2026-01-10', 4, 'CHF', 'x', 1, 'delivered'),
              ('9', 'Z', '2026-01-10', 1000, 'EUR', 'x', 1, 'completed');
            """)
        let context = StageFixtures.context()
        let pushdown = OrderAggregatePushdown(
            source: .init(table: "\(schema.name).orders"), clean: context.configuration.clean, asOf: StageFixtures.asOf)
        // A and B were merged into A; Z is not a known customer.
        let aggregates = try pushdown.fetch(
            url: try TestDatabase.url(), indexOf: ["A": 0, "C": 1], mergedID: ["A": "A", "B": "A", "C": "C"],
            logger: context.logger)
        #expect(aggregates.frequency == [3, 0])
        #expect(aggregates.monetary == [10.5 + 20 + 8, 0])
        #expect(aggregates.firstOrder == [StageFixtures.date(2025, 1, 1), .max])
        #expect(aggregates.lastOrder == [StageFixtures.date(2026, 1, 30), .min])
        #expect(aggregates.returned == [1, 0])
        #expect(aggregates.revenueLastYear == [10.5 + 8, 0])
        #expect(aggregates.rowsFetched == 3)
    }

    /// Creates `orders` with typed columns in the schema and copies the table's rows into it.
    private static func load(_ orders: Table, into schema: TestSchema) throws {
        try schema.connection.execute(
            """
            CREATE TABLE \(schema.qualified("orders")) (order_id text, customer_id text, order_date date,
              amount float8, currency text, category text, quantity bigint, status text)
            """)
        let ids = try orders.strings("order_id")
        let customers = try orders.strings("customer_id")
        let dates = try orders.dates("order_date")
        let amounts = try orders.doubles("amount")
        let currencies = try orders.strings("currency")
        let statuses = try orders.strings("status")
        let statusValid = try orders.validity("status")
        let currencyValid = try orders.validity("currency")
        var encoder = CopyTextEncoder()
        for row in 0..<orders.rowCount {
            encoder.writeText(ids[row])
            encoder.writeText(customers[row])
            encoder.writeDate(daysSince1970: dates[row])
            encoder.writeDouble(amounts[row])
            if currencyValid?[row] ?? true { encoder.writeText(currencies[row]) } else { encoder.writeNull() }
            encoder.writeText("x")
            encoder.writeInt64(1)
            if statusValid?[row] ?? true { encoder.writeText(statuses[row]) } else { encoder.writeNull() }
            encoder.endRow()
        }
        try schema.connection.copyIn("COPY \(schema.qualified("orders")) FROM STDIN") { writer in
            try writer.write(encoder.bytes)
        }
    }
}
