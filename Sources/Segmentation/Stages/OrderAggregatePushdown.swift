import Foundation
import Logging
import Postgres

/// Per-customer order aggregates computed by the orders source's PostgreSQL server (`features.pushdown: true`).
///
/// One `GROUP BY` over the orders source returns a row per *source* customer id: completed orders, their amount
/// total, first and last order day, revenue of the 365 days before `as_of`, and returned orders. The query applies
/// the clean stage's order rules itself — customer id and order id trimmed, orders after `as_of` left out, the
/// currency (upper-cased; empty means the only configured currency, else EUR) converted with
/// `clean.currency_rates` and unknown currencies left out, the status mapped with `clean.order_status`
/// (trimmed, lower-cased) and unknown statuses left out, completed orders with a negative amount left out, a
/// repeated order id counted once. Deduplication merged customers after that, so the rows are then combined per
/// merged id through the `customer_id_map` in Swift: counts and sums add up, first and last days take the minimum
/// and maximum — all exact. Source ids not in the map (unknown customers) are dropped, as clean rejects them.
///
/// The orders source must expose `order_date` as a date (or ISO text) and `amount` as a number.
struct OrderAggregatePushdown {
    /// Aggregates per merged customer, indexed like the merged customers table.
    struct Aggregates {
        var frequency: [Int64]
        var monetary: [Double]
        var firstOrder: [Int32]
        var lastOrder: [Int32]
        var returned: [Int64]
        var revenueLastYear: [Double]
        /// Rows that crossed the wire (one per source customer id with orders).
        var rowsFetched: Int
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
            )
            SELECT customer_id,
                   count(*) FILTER (WHERE status = 'completed') AS frequency,
                   coalesce(sum(amount) FILTER (WHERE status = 'completed'), 0) AS monetary,
                   min(order_date) FILTER (WHERE status = 'completed') - DATE '1970-01-01' AS first_day,
                   max(order_date) FILTER (WHERE status = 'completed') - DATE '1970-01-01' AS last_day,
                   count(*) FILTER (WHERE status = 'returned') AS returned,
                   coalesce(sum(amount) FILTER (WHERE status = 'completed' AND order_date > $1 - 365), 0) AS revenue_12m
            FROM unique_orders
            GROUP BY customer_id
            """
        return (sql, parameters)
    }

    /// Runs the query and combines its rows per merged customer.
    ///
    /// - Parameters:
    ///   - url: the orders source's connection string (nil: libpq defaults).
    ///   - indexOf: row of each merged customer id in the merged customers table.
    ///   - mergedID: the merged id of each source customer id (the `customer_id_map`).
    func fetch(url: String?, indexOf: [String: Int], mergedID: [String: String], logger: Logger) throws(PipelineError)
        -> Aggregates
    {
        let count = indexOf.count
        var aggregates = Aggregates(
            frequency: [Int64](repeating: 0, count: count), monetary: [Double](repeating: 0, count: count),
            firstOrder: [Int32](repeating: .max, count: count), lastOrder: [Int32](repeating: .min, count: count),
            returned: [Int64](repeating: 0, count: count), revenueLastYear: [Double](repeating: 0, count: count),
            rowsFetched: 0)
        let (sql, parameters) = query()
        do {
            let connection = try PostgresConnection(url: url, logger: logger)
            let result = try connection.execute(sql, parameters)
            aggregates.rowsFetched = result.rowCount
            // Rows in source-id order, so sums over a merged customer's source ids add up in a fixed order.
            var rows: [(id: String, row: Int)] = []
            rows.reserveCapacity(result.rowCount)
            for row in 0..<result.rowCount {
                rows.append((try result.decode(String.self, row: row, column: 0), row))
            }
            rows.sort { $0.id < $1.id }
            for (sourceID, row) in rows {
                guard let merged = mergedID[sourceID], let customer = indexOf[merged] else { continue }
                aggregates.frequency[customer] += try result.decode(Int64.self, row: row, column: 1)
                aggregates.monetary[customer] += try result.decode(Double.self, row: row, column: 2)
                if let first = try result.decodeIfPresent(Int64.self, row: row, column: 3) {
                    aggregates.firstOrder[customer] = min(aggregates.firstOrder[customer], Int32(first))
                }
                if let last = try result.decodeIfPresent(Int64.self, row: row, column: 4) {
                    aggregates.lastOrder[customer] = max(aggregates.lastOrder[customer], Int32(last))
                }
                aggregates.returned[customer] += try result.decode(Int64.self, row: row, column: 5)
                aggregates.revenueLastYear[customer] += try result.decode(Double.self, row: row, column: 6)
            }
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(
                .input, "features.pushdown: the order aggregates cannot be read from PostgreSQL", underlying: error)
        }
        return aggregates
    }
}
