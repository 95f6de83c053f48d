import Columnar
import Foundation
import Logging

/// Computes per-customer features at the run's `as_of` date from the merged customers, orders and events.
///
/// Definitions are in ``FeatureCatalog/definitions``. Only `completed` orders count towards recency, frequency
/// and monetary value; `returned` orders feed the return rate; `cancelled` orders are ignored. With
/// `features.pushdown` the order aggregates come from the orders source's server (``OrderAggregatePushdown``).
/// - Complexity: O(customers + orders + events).
struct FeaturesStage {
    let context: StageContext
    /// Rows of orders or email events aggregated a slice at a time (whole record batches adding up to at least this).
    var sliceRows = InputBatches.defaultSliceRows

    func run(_ inputs: StageInputs) throws(PipelineError) -> StageOutput {
        let customers = try inputs.table("customers", of: .dedupe)
        let ids = try customers.strings("customer_id")
        let count = customers.rowCount
        // Customer id → row, hashed on the column's bytes if ever needed (merged ids are unique, so
        // ordinal == row; checked beside the email events).
        let customerIndex = CustomerIndex(ids: ids)

        let asOf = context.asOf
        let pushdown = context.configuration.features.pushdown && context.configuration.sources.orders.isDatabase
        // Dedupe's orders and events, or clean's (`dedupe.write_orders_and_events: false`), whose customers are
        // found through dedupe's merged row of each clean customer.
        let factsFromClean = !context.configuration.dedupe.writeOrdersAndEvents
        let factsStage: StageName = factsFromClean ? .clean : .dedupe
        let orders = try inputs.batches("orders", of: factsStage)
        let events = try inputs.batches("email_events", of: factsStage)
        let clean =
            factsFromClean
            ? try CleanCustomers(
                ids: try inputs.table("customers", of: .clean).strings("customer_id"),
                mergedRow: try inputs.table("merged_rows", of: .dedupe).int64s("merged_row"), mergedCount: count)
            : nil
        try context.checkCancellation()
        context.progress.expectTotal(Int64((pushdown ? 0 : orders.rowCount) + events.rowCount), of: .rows)
        let (context, sliceRows) = (context, sliceRows)
        // Orders and email events only read the customer index: aggregate them side by side, a slice at a time.
        // With pushdown the orders' side waits for the server while the events are counted here.
        let (orderFeatures, emailAggregates) = try concurrently(
            { () throws(PipelineError) in
                if pushdown {
                    // The server's rows are looked up by id: refuse repeated ids before asking for them.
                    try customerIndex.checkDistinct()
                    return try pushedDownOrderFeatures(inputs, customerIndex: customerIndex.hashed)
                }
                var aggregates = OrderAggregates(customerCount: count, expectedOrders: orders.rowCount)
                var ticker = RowTicker(context)
                var rows = CustomerRows(customerIndex, clean: clean)
                try orders.forEachSlice(rows: sliceRows) { slice throws(PipelineError) in
                    try aggregates.add(slice, customers: &rows, asOf: asOf, ticker: &ticker)
                    try context.checkCancellation()
                }
                ticker.finish()
                return try OrderFeatures(aggregates, customerCount: count, asOf: asOf)
            },
            { () throws(PipelineError) in
                var aggregates = EmailAggregates(customerCount: count)
                var ticker = RowTicker(context)
                var rows = CustomerRows(customerIndex, clean: clean)
                try events.forEachSlice(rows: sliceRows) { slice throws(PipelineError) in
                    try aggregates.add(slice, customers: &rows, ticker: &ticker)
                    try context.checkCancellation()
                }
                ticker.finish()
                // The email events' side finishes first at a million customers (less work per row than the
                // orders'): the ids are checked for repeats here (one pass when they come in byte order, as from
                // dedupe; hashed otherwise).
                try customerIndex.checkDistinct()
                return aggregates
            })
        try context.checkCancellation()
        let pushdownMetrics: JSONValue =
            orderFeatures.rowsFetched.map { .object(["rows_fetched": .int(Int64($0))]) } ?? .bool(false)
        // The CLV models need only the summary: fit them while the other columns are built.
        let parts = try concurrentMap([ColumnGroup.lifetimeValue, .ordersAndEmail, .rhythmAndProfile]) {
            group throws(PipelineError) -> (columns: [Column], metrics: JSONValue?) in
            switch group {
            case .lifetimeValue:
                let clv = lifetimeValue(orderFeatures.summary)
                return (clv.columns, clv.metrics)
            case .ordersAndEmail:
                return (try orderAndEmailColumns(customers, orders: orderFeatures, emails: emailAggregates), nil)
            case .rhythmAndProfile:
                return (try rhythmAndProfileColumns(customers, orders: orderFeatures, emails: emailAggregates), nil)
            }
        }
        try context.checkCancellation()
        let clvMetrics = parts[0].metrics ?? .null
        var built: [String: Column] = [:]
        for column in parts.flatMap(\.columns) { built[column.name] = column }
        var columns: [Column] = [
            Column(name: "customer_id", values: .utf8(ids)),
            Column(name: "frequency", values: .int64(orderFeatures.totals.frequency)),
            Column(name: "monetary_total", values: .float64(orderFeatures.totals.monetary)),
            Column(name: "unsubscribed", values: .bool(emailAggregates.unsubscribed)),
            Column(name: "clv_historical_12m", values: .float64(orderFeatures.totals.revenueLastYear)),
        ]
        for column in columns { built[column.name] = column }
        columns = Self.columnOrder.compactMap { built[$0] }
        guard columns.count == Self.columnOrder.count else {
            throw PipelineError(.internal, "features built \(columns.count) of \(Self.columnOrder.count) columns")
        }
        for name in Self.copiedAttributes {
            if let column = customers[name] { columns.append(column) }
        }
        let features: Table
        do {
            features = try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "features produced an inconsistent table", underlying: error)
        }
        let withOrders = orderFeatures.totals.frequency.lazy.filter { $0 > 0 }.count
        return StageOutput(
            tables: [("customer_features", features)],
            metrics: [
                "customers": .int(Int64(count)),
                "customers_with_orders": .int(Int64(withOrders)),
                "revenue_total": .double(orderFeatures.totals.monetary.reduce(0, +)),
                "clv_model": clvMetrics,
                "as_of": .string(CalendarDate.isoString(asOf)),
                "pushdown": pushdownMetrics,
            ])
    }

    /// The order, email and tenure columns of `customer_features`.
    private func orderAndEmailColumns(_ customers: Table, orders: OrderFeatures, emails: EmailAggregates)
        throws(PipelineError) -> [Column]
    {
        let count = customers.rowCount
        let asOf = context.asOf
        let signup = try customers.dates("signup_date")
        let signupValid = try customers.validity("signup_date")
        var recency = ColumnBuilder(name: "recency_days", type: .int64, capacity: count)
        var averageOrderValue = ColumnBuilder(name: "avg_order_value", type: .float64, capacity: count)
        var tenure = ColumnBuilder(name: "tenure_days", type: .int64, capacity: count)
        var returnRate = ColumnBuilder(name: "return_rate", type: .float64, capacity: count)
        var openRate = ColumnBuilder(name: "email_open_rate", type: .float64, capacity: count)
        var clickRate = ColumnBuilder(name: "email_click_rate", type: .float64, capacity: count)
        var first = ColumnBuilder(name: "first_order_date", type: .date32, capacity: count)
        var last = ColumnBuilder(name: "last_order_date", type: .date32, capacity: count)
        let totals = orders.totals
        let (frequency, monetary, returned) = (totals.frequency, totals.monetary, totals.returned)
        let (firstOrder, lastOrder) = (totals.firstOrder, totals.lastOrder)
        let (sent, opens, clicks) = (emails.sent, emails.opens, emails.clicks)
        for row in 0..<count {
            let hasOrders = frequency[row] > 0
            recency.append(hasOrders ? Int64(asOf - lastOrder[row]) : nil)
            averageOrderValue.append(hasOrders ? monetary[row] / Double(frequency[row]) : nil)
            first.append(date: hasOrders ? firstOrder[row] : nil)
            last.append(date: hasOrders ? lastOrder[row] : nil)
            let start: Int32? = (signupValid?[row] ?? true) ? signup[row] : (hasOrders ? firstOrder[row] : nil)
            tenure.append(start.map { Int64(max(0, asOf - $0)) })
            let decided = frequency[row] + returned[row]
            returnRate.append(decided > 0 ? Double(returned[row]) / Double(decided) : nil)
            openRate.append(sent[row] > 0 ? Double(opens[row]) / Double(sent[row]) : nil)
            clickRate.append(sent[row] > 0 ? Double(clicks[row]) / Double(sent[row]) : nil)
        }
        return [
            recency.build(), averageOrderValue.build(), tenure.build(), returnRate.build(), openRate.build(),
            clickRate.build(), first.build(), last.build(),
        ]
    }

    /// The purchase rhythm, category, last-open, age and postal-area columns of `customer_features`.
    private func rhythmAndProfileColumns(_ customers: Table, orders: OrderFeatures, emails: EmailAggregates)
        throws(PipelineError) -> [Column]
    {
        let count = customers.rowCount
        let asOf = context.asOf
        let birth = try customers.dates("birth_date")
        let birthValid = try customers.validity("birth_date")
        let postal = try customers.strings("postal_code")
        let postalValid = try customers.validity("postal_code")
        let categoryNames = orders.categoryNames.interner
        let (firstOrder, lastOrder, lastOpen) = (orders.totals.firstOrder, orders.totals.lastOrder, emails.lastOpen)
        var purchaseDays = [Int64](repeating: 0, count: count)
        var meanInterval = ColumnBuilder(name: "mean_days_between_purchases", type: .float64, capacity: count)
        var categoryCount = [Int64](repeating: 0, count: count)
        var topCategory = ColumnBuilder(name: "top_category", type: .utf8, capacity: count)
        var daysSinceOpen = ColumnBuilder(name: "days_since_last_open", type: .int64, capacity: count)
        var age = ColumnBuilder(name: "age", type: .int64, capacity: count)
        var ageBand = ColumnBuilder(name: "age_band", type: .utf8, capacity: count)
        var postalArea = ColumnBuilder(name: "postal_area", type: .utf8, capacity: count)
        for row in 0..<count {
            let days = Int64(orders.summary.purchaseDays[row])
            purchaseDays[row] = days
            meanInterval.append(days >= 2 ? Double(lastOrder[row] - firstOrder[row]) / Double(days - 1) : nil)
            categoryCount[row] = Int64(orders.categoryCount[row])
            let top = Int(orders.topCategory[row])
            if top >= 0 {
                categoryNames.withUTF8(at: top) { topCategory.append(utf8: $0) }
            } else {
                topCategory.appendNull()
            }
            daysSinceOpen.append(
                lastOpen[row] == .min ? nil : max(0, Int64(asOf) - Self.day(ofMicroseconds: lastOpen[row])))
            let years: Int64? = (birthValid?[row] ?? true) ? Self.completedYears(from: birth[row], to: asOf) : nil
            age.append(years)
            ageBand.append(years.map(Self.ageBand))
            if (postalValid?[row] ?? true) && postal.byteCount(at: row) >= 2 {
                // The first two characters; on ASCII (every postal code of the supported countries) the first two
                // bytes, without building a String.
                postal.withUTF8(at: row) { bytes in
                    if bytes[0] < 0x80 && bytes[1] < 0x80 {
                        postalArea.append(utf8: UnsafeBufferPointer(rebasing: bytes[0..<2]))
                    } else {
                        postalArea.append(String(String(decoding: bytes, as: UTF8.self).prefix(2)))
                    }
                }
            } else {
                postalArea.appendNull()
            }
        }
        return [
            Column(name: "purchase_days", values: .int64(purchaseDays)), meanInterval.build(),
            Column(name: "category_count", values: .int64(categoryCount)), topCategory.build(), daysSinceOpen.build(),
            age.build(), ageBand.build(), postalArea.build(),
        ]
    }

    /// The order features computed by the orders source's server per merged customer (``OrderAggregatePushdown``).
    private func pushedDownOrderFeatures(_ inputs: StageInputs, customerIndex: FrozenInterner) throws(PipelineError)
        -> OrderFeatures
    {
        let configuration = context.configuration
        let map = try inputs.table("customer_id_map", of: .dedupe)
        var url = context.databaseURL
        if let variable = configuration.sources.orders.databaseEnv {
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw PipelineError(
                    .configuration, "features.pushdown: environment variable \(variable) (database_env) is not set")
            }
            url = value
        }
        let pushdown = OrderAggregatePushdown(
            source: configuration.sources.orders, clean: configuration.clean, asOf: context.asOf)
        let rows = try pushdown.fetch(
            url: url, sourceIDs: try map.strings("source_customer_id"), mergedIDs: try map.strings("customer_id"),
            logger: context.logger)
        var features = OrderAggregatePushdown.features(
            of: rows, customerIDs: customerIndex.interner, customerCount: customerIndex.interner.count,
            asOf: context.asOf)
        features.rowsFetched = rows.count
        return features
    }

    // MARK: - Helpers

    /// The columns of `customer_features` before the descriptive attributes, in checkpoint order.
    static let columnOrder = [
        "customer_id", "recency_days", "frequency", "monetary_total", "avg_order_value", "tenure_days", "return_rate",
        "email_open_rate", "email_click_rate", "unsubscribed", "first_order_date", "last_order_date", "purchase_days",
        "mean_days_between_purchases", "category_count", "top_category", "days_since_last_open", "age", "age_band",
        "postal_area", "clv_historical_12m", "predicted_clv_12m", "expected_purchases_12m", "probability_alive",
    ]

    /// The merged customers' attributes copied into `customer_features` as they are (those the customers have).
    static let copiedAttributes = ["country", "city", "postal_code", "acquisition_channel"]

    /// The columns of the merged customers the stage reads: the id, the dates its features count from, the postal
    /// code (for the postal area) and the copied attributes.
    static let customerColumns = Set(["customer_id", "signup_date", "birth_date", "postal_code"] + copiedAttributes)

    /// The independent groups of columns the stage builds at once.
    enum ColumnGroup: Sendable {
        case lifetimeValue, ordersAndEmail, rhythmAndProfile
    }

    /// The day (since 1970-01-01) of a timestamp in microseconds.
    static func day(ofMicroseconds value: Int64) -> Int64 {
        let perDay: Int64 = 86_400_000_000
        return value >= 0 ? value / perDay : (value - perDay + 1) / perDay
    }

    /// Whole years from `start` to `end` (days since 1970-01-01), as birthdays count them.
    static func completedYears(from start: Int32, to end: Int32) -> Int64? {
        guard start <= end else { return nil }
        let from = CalendarDate.civil(start)
        let to = CalendarDate.civil(end)
        var years = to.year - from.year
        if (to.month, to.day) < (from.month, from.day) { years -= 1 }
        return Int64(years)
    }

    /// The marketing age band of an age in years.
    static func ageBand(_ years: Int64) -> String {
        switch years {
        case ..<18: "under 18"
        case 18..<25: "18-24"
        case 25..<35: "25-34"
        case 35..<45: "35-44"
        case 45..<55: "45-54"
        case 55..<65: "55-64"
        default: "65+"
        }
    }

    /// Predicted lifetime value per customer.
    struct LifetimeValue {
        var columns: [Column]
        var metrics: JSONValue
    }

    /// Fits BG/NBD and Gamma-Gamma on the customers' CLV summary and predicts 12-month CLV (see docs/clv.md).
    ///
    /// When the models cannot be fitted (too few repeat customers), the predicted columns are null and the reason
    /// is recorded in the manifest; the run goes on.
    func lifetimeValue(_ summary: CLVSummary) -> LifetimeValue {
        let customerCount = summary.count
        var predicted = ColumnBuilder(name: "predicted_clv_12m", type: .float64, capacity: customerCount)
        var purchases = ColumnBuilder(name: "expected_purchases_12m", type: .float64, capacity: customerCount)
        var alive = ColumnBuilder(name: "probability_alive", type: .float64, capacity: customerCount)
        func notFitted(_ reason: String) -> LifetimeValue {
            for _ in 0..<customerCount {
                predicted.append(nil as Double?)
                purchases.append(nil as Double?)
                alive.append(nil as Double?)
            }
            return LifetimeValue(
                columns: [predicted.build(), purchases.build(), alive.build()],
                metrics: .object(["not_fitted": .string(reason)]))
        }
        guard context.configuration.features.predictCLV else { return notFitted("features.predict_clv is false") }
        do {
            // The two models share nothing: fitted side by side (each also splits its likelihood in halves; side by
            // side their one-core parts, such as grouping the purchase patterns, overlap).
            let fits: (Result<BetaGeometricModel, CLVError>, Result<GammaGammaModel, CLVError>)
            do {
                fits = try concurrently(
                    { () throws(PipelineError) in
                        Result { () throws(CLVError) in try BetaGeometricModel.fit(summary) }
                    },
                    { () throws(PipelineError) in
                        Result { () throws(CLVError) in try GammaGammaModel.fit(summary) }
                    })
            } catch {
                return notFitted(error.description)
            }
            let purchaseModel = try fits.0.get()
            let spendModel = try fits.1.get()
            let values = CustomerLifetimeValue.predictions(
                purchaseModel: purchaseModel, spendModel: spendModel, summary: summary, horizon: 365)
            // Null for customers without purchases (their slots zero, as a column builder leaves them), built on
            // the prediction arrays in place rather than appended row by row.
            var (value, expected, probability) = (values.value, values.expectedPurchases, values.probabilityAlive)
            var hasPurchases = [Bool](repeating: true, count: customerCount)
            var anyNull = false
            for customer in 0..<customerCount where summary.purchaseDays[customer] <= 0 {
                hasPurchases[customer] = false
                anyNull = true
                (value[customer], expected[customer], probability[customer]) = (0, 0, 0)
            }
            let validity = anyNull ? hasPurchases : nil
            let metrics: JSONValue = .object([
                "bg_nbd": .object([
                    "r": .double(purchaseModel.r), "alpha": .double(purchaseModel.alpha), "a": .double(purchaseModel.a),
                    "b": .double(purchaseModel.b),
                ]),
                "gamma_gamma": .object([
                    "p": .double(spendModel.p), "q": .double(spendModel.q), "v": .double(spendModel.v),
                ]),
                "period": .string("day"), "months": .int(12), "monthly_discount_rate": .double(0.01),
            ])
            return LifetimeValue(
                columns: [
                    Column(name: "predicted_clv_12m", values: .float64(value), validity: validity),
                    Column(name: "expected_purchases_12m", values: .float64(expected), validity: validity),
                    Column(name: "probability_alive", values: .float64(probability), validity: validity),
                ], metrics: metrics)
        } catch {
            context.logger.info("CLV model not fitted", metadata: ["reason": "\(error)"])
            return notFitted(error.description)
        }
    }
}
