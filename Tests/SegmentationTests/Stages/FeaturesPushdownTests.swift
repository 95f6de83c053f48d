import Columnar
import Foundation
import Postgres
import TestSupport
import Testing

@testable import Segmentation

/// `features.pushdown` computes every order feature in PostgreSQL, identical to the in-process path, and the orders
/// are then not extracted at all.
@Suite(.serialized, .enabled(if: TestDatabase.isEnabled, "DATABASE_URL not set: run scripts/dev-postgres start"))
struct FeaturesPushdownTests {
    @Test func pushdownAndInProcessFeaturesAreIdentical() throws {
        let schema = try TestSchema(prefix: "pushdown")
        defer { schema.drop() }
        let folder = try TemporaryDirectory(prefix: "pushdown")
        var context = try StageFixtures.generatedContext(customers: 1500, seed: 11, in: folder.path)
        context.databaseURL = try TestDatabase.url()
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
        inputs.set(clean, of: .clean)
        let dedupe = try DedupeStage(context: context).run(inputs)
        inputs.set(dedupe, of: .dedupe)
        let merged = try #require(dedupe.metrics["duplicates_merged"]?.intValue)
        #expect(merged > 0, "the data should exercise combining source customers per merged id")
        let inProcess = try FeaturesStage(context: context).run(inputs)

        // The pushdown run: extract leaves the orders in the source, and features sees no order rows.
        var pushed = context
        pushed.configuration.sources.orders = .init(table: "\(schema.name).orders")
        pushed.configuration.features.pushdown = true
        let pushedExtract = try ExtractStage(context: pushed).run()
        #expect(try #require(pushedExtract.table("orders")).rowCount == 0)
        #expect(pushedExtract.metrics["source.orders"] == .string("left in the source (features.pushdown)"))
        inputs.set(try ExtractStage.emptyTable(CanonicalSchema.orders), named: "orders", of: .dedupe)
        let pushdown = try FeaturesStage(context: pushed).run(inputs)

        let expected = try #require(inProcess.table("customer_features"))
        let actual = try #require(pushdown.table("customer_features"))
        #expect(expected.rowCount == actual.rowCount)
        #expect(try expected.int64s("frequency").reduce(0, +) > 3000)
        #expect(try expected.int64s("category_count").contains { $0 > 1 })
        #expect(try expected.validity("predicted_clv_12m")?.contains(true) ?? true, "the CLV models should fit")
        #expect(expected.columns.map(\.name) == actual.columns.map(\.name))
        for column in expected.columns {
            #expect(actual[column.name] == column, "\(column.name) differs")
        }
        #expect(inProcess.metrics["clv_model"] == pushdown.metrics["clv_model"])
        let withOrders = try #require(inProcess.metrics["customers_with_orders"]?.intValue)
        guard case .object(let pushdownMetrics) = pushdown.metrics["pushdown"] else {
            Issue.record("the pushdown run records no rows_fetched")
            return
        }
        let fetched = try #require(pushdownMetrics["rows_fetched"]?.intValue)
        #expect(fetched >= withOrders && fetched <= Int64(expected.rowCount), "one row per merged customer at most")
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
              ('1', ' A ', '2026-01-30', 10.5, 'eur', 'Shoes', 1, 'Completed'),
              ('1', 'A', '2026-01-30', 10.5, 'EUR', 'Shoes', 1, 'completed'),
              ('2', 'A', '2025-01-01', 20, '', ' Books ', 1, 'paid'),
              ('3', 'A', '2026-02-05', 99, 'EUR', 'Toys', 1, 'completed'),
              ('4', 'A', '2026-01-01', 99, 'XXX', 'Toys', 1, 'completed'),
              ('5', 'A', '2026-01-01', 99, 'EUR', 'Toys', 1, 'mystery'),
              ('6', 'A', '2026-01-01', -5, 'EUR', 'Toys', 1, 'completed'),
              ('7', 'A', '2026-01-02', 7, 'CHF', 'Toys', 1, 'retoure'),
              ('8', 'B', '2026-01-10', 4, 'CHF', 'Books', 1, 'delivered'),
              ('10', 'B', '2026-01-30', 1.5, 'EUR', '', 1, 'completed'),
              ('9', 'Z', '2026-01-10', 1000, 'EUR', 'Toys', 1, 'completed'),
              ('11', 'C', '2026-01-05', 3, 'EUR', NULL, 1, 'retoure');
            """)
        let context = StageFixtures.context()
        let pushdown = OrderAggregatePushdown(
            source: .init(table: "\(schema.name).orders"), clean: context.configuration.clean, asOf: StageFixtures.asOf)
        // A and B were merged into A; Z is not a known customer; C has only a return; D has no orders.
        let rows = try pushdown.fetch(
            url: try TestDatabase.url(), sourceIDs: StringColumn(["A", "B", "C", "D"]),
            mergedIDs: StringColumn(["A", "A", "C", "D"]),
            logger: context.logger)
        #expect(rows.count == 2)
        let customers = StringInterner(StringColumn(["A", "C", "D"]))
        let features = OrderAggregatePushdown.features(
            of: rows, customerIDs: customers, customerCount: 3, asOf: StageFixtures.asOf)
        // A: orders 1 (once), 2, 8 (B's) and 10 (B's) completed; 3 is after as_of; 4, 5, 6 left out; 7 returned.
        let a = (first: StageFixtures.date(2025, 1, 1), last: StageFixtures.date(2026, 1, 30))
        #expect(features.totals.frequency == [4, 0, 0])
        #expect(features.totals.monetary == [10.5 + 20 + 8 + 1.5, 0, 0])
        #expect(features.totals.firstOrder == [a.first, .max, .max])
        #expect(features.totals.lastOrder == [a.last, .min, .min])
        #expect(features.totals.returned == [1, 1, 0])
        #expect(features.totals.revenueLastYear == [10.5 + 8 + 1.5, 0, 0])
        // Purchase days 2025-01-01, 2026-01-10 and 2026-01-30 (orders 1 and 10 on one day).
        #expect(features.summary.purchaseDays == [3, 0, 0])
        #expect(features.summary.frequency == [2, 0, 0])
        #expect(features.summary.recency == [Double(a.last - a.first), 0, 0])
        #expect(features.summary.age == [Double(StageFixtures.asOf - a.first), 0, 0])
        #expect(features.summary.monetaryValue == [(8 + 10.5 + 1.5) / 2, 0, 0])
        // Categories of completed orders: Shoes, Books (trimmed, twice), none for order 10; Books wins.
        #expect(features.categoryCount == [2, 0, 0])
        #expect(features.topCategory[1...] == [-1, -1])
        #expect(features.categoryNames.interner.string(at: Int(features.topCategory[0])) == "Books")
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
        let categories = try orders.strings("category")
        let categoryValid = try orders.validity("category")
        var encoder = CopyTextEncoder()
        for row in 0..<orders.rowCount {
            encoder.writeText(ids[row])
            encoder.writeText(customers[row])
            encoder.writeDate(daysSince1970: dates[row])
            encoder.writeDouble(amounts[row])
            if currencyValid?[row] ?? true { encoder.writeText(currencies[row]) } else { encoder.writeNull() }
            if categoryValid?[row] ?? true { encoder.writeText(categories[row]) } else { encoder.writeNull() }
            encoder.writeInt64(1)
            if statusValid?[row] ?? true { encoder.writeText(statuses[row]) } else { encoder.writeNull() }
            encoder.endRow()
        }
        try schema.connection.copyIn("COPY \(schema.qualified("orders")) FROM STDIN") { writer in
            try writer.write(encoder.bytes)
        }
    }
}
