import Columnar

/// Computes per-customer features at the run's `as_of` date from the merged customers, orders and events.
///
/// Definitions are in ``FeatureCatalog/definitions``. Only `completed` orders count towards recency, frequency
/// and monetary value; `returned` orders feed the return rate; `cancelled` orders are ignored.
/// - Complexity: O(customers + orders + events).
struct FeaturesStage {
    let context: StageContext

    func run(_ inputs: StageInputs) throws(PipelineError) -> StageOutput {
        let customers = try inputs.table("customers", of: .dedupe)
        let ids = try customers.strings("customer_id")
        let count = customers.rowCount
        var indexOf: [String: Int] = [:]
        indexOf.reserveCapacity(count)
        for row in 0..<count { indexOf[ids[row]] = row }

        var frequency = [Int64](repeating: 0, count: count)
        var monetary = [Double](repeating: 0, count: count)
        var returned = [Int64](repeating: 0, count: count)
        var firstOrder = [Int32](repeating: .max, count: count)
        var lastOrder = [Int32](repeating: .min, count: count)

        let orders = try inputs.table("orders", of: .dedupe)
        if orders.rowCount > 0 {
            let orderCustomers = try orders.strings("customer_id")
            let dates = try orders.dates("order_date")
            let amounts = try orders.doubles("amount")
            let statuses = try orders.strings("status")
            for row in 0..<orders.rowCount {
                guard let customer = indexOf[orderCustomers[row]] else { continue }
                switch statuses[row] {
                case "completed":
                    frequency[customer] += 1
                    monetary[customer] += amounts[row]
                    firstOrder[customer] = min(firstOrder[customer], dates[row])
                    lastOrder[customer] = max(lastOrder[customer], dates[row])
                case "returned":
                    returned[customer] += 1
                default:
                    break
                }
            }
        }

        var sent = [Int64](repeating: 0, count: count)
        var opens = [Int64](repeating: 0, count: count)
        var clicks = [Int64](repeating: 0, count: count)
        var unsubscribed = [Bool](repeating: false, count: count)
        let events = try inputs.table("email_events", of: .dedupe)
        if events.rowCount > 0 {
            let eventCustomers = try events.strings("customer_id")
            let types = try events.strings("event_type")
            for row in 0..<events.rowCount {
                guard let customer = indexOf[eventCustomers[row]] else { continue }
                switch types[row] {
                case "sent": sent[customer] += 1
                case "open": opens[customer] += 1
                case "click": clicks[customer] += 1
                case "unsubscribe": unsubscribed[customer] = true
                default: break
                }
            }
        }

        let signup = try customers.dates("signup_date")
        let signupValid = try customers.validity("signup_date")
        let asOf = context.asOf
        var recency = ColumnBuilder(name: "recency_days", type: .int64, capacity: count)
        var averageOrderValue = ColumnBuilder(name: "avg_order_value", type: .float64, capacity: count)
        var tenure = ColumnBuilder(name: "tenure_days", type: .int64, capacity: count)
        var returnRate = ColumnBuilder(name: "return_rate", type: .float64, capacity: count)
        var openRate = ColumnBuilder(name: "email_open_rate", type: .float64, capacity: count)
        var clickRate = ColumnBuilder(name: "email_click_rate", type: .float64, capacity: count)
        var first = ColumnBuilder(name: "first_order_date", type: .date32, capacity: count)
        var last = ColumnBuilder(name: "last_order_date", type: .date32, capacity: count)
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
        var columns: [Column] = [
            Column(name: "customer_id", values: .utf8(ids)),
            recency.build(),
            Column(name: "frequency", values: .int64(frequency)),
            Column(name: "monetary_total", values: .float64(monetary)),
            averageOrderValue.build(),
            tenure.build(),
            returnRate.build(),
            openRate.build(),
            clickRate.build(),
            Column(name: "unsubscribed", values: .bool(unsubscribed)),
            first.build(),
            last.build(),
        ]
        for name in ["country", "city", "postal_code", "acquisition_channel"] {
            if let column = customers[name] { columns.append(column) }
        }
        let features: Table
        do {
            features = try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "features produced an inconsistent table", underlying: error)
        }
        let withOrders = frequency.lazy.filter { $0 > 0 }.count
        return StageOutput(
            tables: [("customer_features", features)],
            metrics: [
                "customers": .int(Int64(count)),
                "customers_with_orders": .int(Int64(withOrders)),
                "revenue_total": .double(monetary.reduce(0, +)),
                "as_of": .string(CalendarDate.isoString(asOf)),
            ])
    }
}
