import Columnar
import Foundation
import Logging
import Postgres

/// Every order feature of the merged customers computed by the orders source's PostgreSQL server
/// (`features.pushdown: true`), so that one row per customer crosses the wire and the orders are never extracted.
///
/// The stage first copies the `customer_id_map` (source id → merged id) into a temporary table on that server.
/// One query then applies the clean stage's order rules — customer id and order id trimmed, orders after `as_of`
/// left out, the currency (upper-cased; empty means the only configured currency, else EUR) converted with
/// `clean.currency_rates` and unknown currencies left out, the status mapped with `clean.order_status` (trimmed,
/// lower-cased) and unknown statuses left out, completed orders with a negative amount left out, a repeated order
/// id counted once — joins the orders to the map (source ids not in it are unknown customers, whose orders clean
/// rejects) and groups them per *merged* id: completed orders, their amount total, first and last order day,
/// revenue of the 365 days before `as_of`, returned orders, distinct purchase days and the amount of the purchase
/// days after the first (the CLV summary), distinct categories and the top category (most completed orders, ties
/// to the name first in byte order, as in process). Grouping per merged id on the server keeps the per-day and
/// per-category counts exact when deduplication merged several source customers.
///
/// The orders source must expose `order_date` as a date (or ISO text), `amount` as a number, and `currency`,
/// `status` and `category` columns.
struct OrderAggregatePushdown {
    /// One merged customer's orders as the server aggregated them.
    struct Row {
        var customerID: String
        var frequency: Int64
        var monetary: Double
        var firstDay: Int32?
        var lastDay: Int32?
        var returned: Int64
        var revenueLastYear: Double
        var purchaseDays: Int32
        var repeatTotal: Double
        var categoryCount: Int32
        var topCategory: String?
    }

    let source: PipelineConfiguration.Source
    let clean: PipelineConfiguration.Clean
    let asOf: Int32

    /// The aggregate query and its parameters.
    func query() -> (sql: String, parameters: [PostgresValue]) {
        var parameters: [PostgresValue] = [.date(daysSince1970: asOf)]
        func parameter(_ value: PostgresValue) -> String {
            parameters.append(value)
            return "$\(parameters.count)"
        }
        func column(_ name: String) -> String { PostgresIdentifier.quote(source.columns[name] ?? name) }
        let rows = ExtractStage.query(for: source, schema: CanonicalSchema.orders)
        let defaultCurrency = clean.currencyRates.count == 1 ? clean.currencyRates.keys.first ?? "EUR" : "EUR"
        var rateOf: [String: Double] = [:]
        for (code, rate) in clean.currencyRates { rateOf[code.uppercased()] = rate }
        let rates = rateOf.sorted { $0.key < $1.key }.map {
            "(\(parameter(.text($0.key)))::text, \(parameter(.double($0.value)))::float8)"
        }
        // As in clean: a raw status listed twice maps to the later canonical status.
        var statusMap: [String: String] = [:]
        for (canonical, values) in [
            ("completed", clean.orderStatus.completed), ("returned", clean.orderStatus.returned),
            ("cancelled", clean.orderStatus.cancelled),
        ] {
            for value in values { statusMap[Normalization.trimmed(value).lowercased()] = canonical }
        }
        let statuses = statusMap.sorted { $0.key < $1.key }.map {
            "(\(parameter(.text($0.key)))::text, \(parameter(.text($0.value)))::text)"
        }
        let whitespace = "E' \\t\\r\\n'"
        let sql = """
            WITH valid_orders AS (
                SELECT btrim(o.\(column("order_id"))::text, \(whitespace)) AS order_id,
                       btrim(o.\(column("customer_id"))::text, \(whitespace)) AS customer_id,
                       o.\(column("order_date"))::date AS order_date,
                       o.\(column("amount"))::float8 * rates.rate AS amount,
                       nullif(btrim(o.\(column("category"))::text, E' \\t'), '') AS category,
                       statuses.status
                FROM (\(rows)) AS o
                JOIN (VALUES \(rates.joined(separator: ", "))) AS rates (code, rate)
                  ON rates.code = coalesce(nullif(upper(btrim(o.\(column("currency"))::text, \(whitespace))), ''), \
            \(parameter(.text(defaultCurrency))))
                JOIN (VALUES \(statuses.joined(separator: ", "))) AS statuses (raw, status)
                  ON statuses.raw = lower(btrim(coalesce(o.\(column("status"))::text, ''), \(whitespace)))
                WHERE o.\(column("order_id")) IS NOT NULL AND o.\(column("customer_id")) IS NOT NULL
                  AND o.\(column("order_date")) IS NOT NULL AND o.\(column("amount")) IS NOT NULL
                  AND o.\(column("order_date"))::date <= $1
                  AND NOT (statuses.status = 'completed' AND o.\(column("amount"))::float8 < 0)
            ), unique_orders AS (
                SELECT DISTINCT ON (order_id) * FROM valid_orders ORDER BY order_id
            ), merged_orders AS (
                SELECT map.customer_id, u.order_date, u.amount, u.status, u.category
                FROM unique_orders AS u
                JOIN \(Self.mapTable) AS map ON map.source_customer_id = u.customer_id
            ), per_customer AS (
                SELECT customer_id,
                       count(*) FILTER (WHERE status = 'completed') AS frequency,
                       coalesce(sum(amount) FILTER (WHERE status = 'completed'), 0) AS monetary,
                       min(order_date) FILTER (WHERE status = 'completed') - DATE '1970-01-01' AS first_day,
                       max(order_date) FILTER (WHERE status = 'completed') - DATE '1970-01-01' AS last_day,
                       count(*) FILTER (WHERE status = 'returned') AS returned,
                       coalesce(sum(amount) FILTER (WHERE status = 'completed' AND order_date > $1 - 365), 0)
                         AS revenue_12m
                FROM merged_orders
                GROUP BY customer_id
            ), purchase_days AS (
                SELECT customer_id, order_date, sum(amount) AS amount,
                       min(order_date) OVER (PARTITION BY customer_id) AS first_date
                FROM merged_orders WHERE status = 'completed'
                GROUP BY customer_id, order_date
            ), day_summary AS (
                SELECT customer_id, count(*) AS purchase_days,
                       coalesce(sum(amount) FILTER (WHERE order_date > first_date), 0) AS repeat_total
                FROM purchase_days
                GROUP BY customer_id
            ), category_orders AS (
                SELECT customer_id, category, count(*) AS orders
                FROM merged_orders WHERE status = 'completed' AND category IS NOT NULL
                GROUP BY customer_id, category
            ), top_categories AS (
                SELECT DISTINCT ON (customer_id) customer_id, category AS top_category,
                       count(*) OVER (PARTITION BY customer_id) AS category_count
                FROM category_orders
                ORDER BY customer_id, orders DESC, category COLLATE "C"
            )
            SELECT p.customer_id, p.frequency, p.monetary, p.first_day, p.last_day, p.returned, p.revenue_12m,
                   coalesce(d.purchase_days, 0) AS purchase_days, coalesce(d.repeat_total, 0) AS repeat_total,
                   coalesce(t.category_count, 0) AS category_count, t.top_category
            FROM per_customer AS p
            LEFT JOIN day_summary AS d USING (customer_id)
            LEFT JOIN top_categories AS t USING (customer_id)
            """
        return (sql, parameters)
    }

    /// The temporary table the `customer_id_map` is copied into (schema-qualified, so no table of the source's
    /// search path can stand in for it).
    static let mapTable = "pg_temp.segpipe_customer_map"

    /// Copies the id map to the orders source's server, runs the query and returns its rows (one per merged
    /// customer with orders).
    ///
    /// - Parameters:
    ///   - url: the orders source's connection string (nil: libpq defaults).
    ///   - sourceIDs: the `customer_id_map`'s source ids; `mergedIDs` the merged id of each.
    func fetch(url: String?, sourceIDs: StringColumn, mergedIDs: StringColumn, logger: Logger) throws(PipelineError)
        -> [Row]
    {
        let (sql, parameters) = query()
        do {
            let connection = try PostgresConnection(url: url, logger: logger)
            try connection.execute(
                "CREATE TEMPORARY TABLE \(Self.mapTable) (source_customer_id text NOT NULL, customer_id text NOT NULL)")
            try connection.copyIn("COPY \(Self.mapTable) (source_customer_id, customer_id) FROM STDIN") { writer in
                var encoder = CopyTextEncoder()
                for row in 0..<sourceIDs.count {
                    sourceIDs.withUTF8(at: row) { encoder.writeText($0) }
                    mergedIDs.withUTF8(at: row) { encoder.writeText($0) }
                    encoder.endRow()
                    if encoder.byteCount >= CopyInWriter.chunkSize {
                        try writer.write(encoder.bytes)
                        encoder.removeAll()
                    }
                }
                try writer.write(encoder.bytes)
            }
            try connection.execute("ANALYZE \(Self.mapTable)")
            let result = try connection.execute(sql, parameters)
            var rows: [Row] = []
            rows.reserveCapacity(result.rowCount)
            for row in 0..<result.rowCount {
                rows.append(
                    Row(
                        customerID: try result.decode(String.self, row: row, column: 0),
                        frequency: try result.decode(Int64.self, row: row, column: 1),
                        monetary: try result.decode(Double.self, row: row, column: 2),
                        firstDay: try result.decodeIfPresent(Int64.self, row: row, column: 3).map { Int32($0) },
                        lastDay: try result.decodeIfPresent(Int64.self, row: row, column: 4).map { Int32($0) },
                        returned: try result.decode(Int64.self, row: row, column: 5),
                        revenueLastYear: try result.decode(Double.self, row: row, column: 6),
                        purchaseDays: Int32(try result.decode(Int64.self, row: row, column: 7)),
                        repeatTotal: try result.decode(Double.self, row: row, column: 8),
                        categoryCount: Int32(try result.decode(Int64.self, row: row, column: 9)),
                        topCategory: try result.decodeIfPresent(String.self, row: row, column: 10)))
            }
            return rows
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(
                .input, "features.pushdown: the order features cannot be read from PostgreSQL", underlying: error)
        }
    }

    /// The order features of the merged customers (indexed like `customerIDs`) from the server's rows.
    ///
    /// A customer without a row has no orders; a row whose id is not a merged customer is ignored.
    static func features(of rows: [Row], customerIDs: StringInterner, customerCount count: Int, asOf: Int32)
        -> OrderFeatures
    {
        var totals = OrderTotals(customerCount: count)
        var repeatDays = [Double](repeating: 0, count: count)
        var recency = [Double](repeating: 0, count: count)
        var age = [Double](repeating: 0, count: count)
        var monetaryValue = [Double](repeating: 0, count: count)
        var purchaseDays = [Int32](repeating: 0, count: count)
        var categoryCount = [Int32](repeating: 0, count: count)
        var topCategory = [Int32](repeating: -1, count: count)
        let categoryNames = StringInterner(capacity: 64)
        for row in rows {
            guard let customer = customerIDs.ordinal(of: row.customerID) else { continue }
            totals.frequency[customer] = row.frequency
            totals.monetary[customer] = row.monetary
            totals.returned[customer] = row.returned
            totals.revenueLastYear[customer] = row.revenueLastYear
            if let first = row.firstDay, let last = row.lastDay {
                totals.firstOrder[customer] = first
                totals.lastOrder[customer] = last
                if row.purchaseDays > 0 {
                    // The CLV summary, as CLVSummary defines it from the orders.
                    purchaseDays[customer] = row.purchaseDays
                    repeatDays[customer] = Double(row.purchaseDays - 1)
                    recency[customer] = Double(last - first)
                    age[customer] = Double(asOf - first)
                    monetaryValue[customer] = row.purchaseDays > 1 ? row.repeatTotal / Double(row.purchaseDays - 1) : 0
                }
            }
            categoryCount[customer] = row.categoryCount
            if let name = row.topCategory { topCategory[customer] = Int32(categoryNames.insert(name).ordinal) }
        }
        return OrderFeatures(
            totals: totals,
            summary: CLVSummary(
                frequency: repeatDays, recency: recency, age: age, monetaryValue: monetaryValue,
                purchaseDays: purchaseDays),
            categoryCount: categoryCount, topCategory: topCategory, categoryNames: categoryNames)
    }
}
