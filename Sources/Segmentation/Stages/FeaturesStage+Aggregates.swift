import Columnar
import Synchronization

/// Per-customer counts and sums of the orders, indexed like the merged customers.
struct OrderTotals: Sendable {
    /// Completed orders.
    var frequency: [Int64]
    /// Amount of the completed orders.
    var monetary: [Double]
    /// Returned orders.
    var returned: [Int64]
    /// Day of the first and last completed order (`.max` and `.min` without one).
    var firstOrder: [Int32]
    var lastOrder: [Int32]
    /// Amount of the completed orders of the 365 days before `as_of`.
    var revenueLastYear: [Double]

    /// Totals of customers without orders.
    init(customerCount count: Int) {
        frequency = [Int64](repeating: 0, count: count)
        monetary = [Double](repeating: 0, count: count)
        returned = [Int64](repeating: 0, count: count)
        firstOrder = [Int32](repeating: .max, count: count)
        lastOrder = [Int32](repeating: .min, count: count)
        revenueLastYear = [Double](repeating: 0, count: count)
    }
}

/// The customer row of each order or email event, from its `customer_id` column.
///
/// A dictionary-encoded column (as dedupe writes it) is mapped through its dictionary: when that is the merged
/// customers' ids in row order, the codes are the rows themselves; otherwise each dictionary entry is looked up once
/// (`StringColumn.rows(in:index:)`, shared with dedupe; the map is kept while the slices share the dictionary). A
/// plain column is looked up row by row on its bytes. With ``CleanCustomers`` (clean's orders and events, when
/// dedupe does not write them), the ids are clean's, each mapped to the merged customer it became.
/// Rows of customers not in the merged customers get -1.
struct CustomerRows: Sendable {
    /// The merged customers' ids, and the same hashed (ordinal == row) once a lookup needs it.
    let ids: StringColumn
    let index: CustomerIndex
    let clean: CleanCustomers?
    private var mapped: (dictionary: StringColumn, rows: [Int32]?)?

    init(_ index: CustomerIndex, clean: CleanCustomers? = nil) {
        self.ids = index.ids
        self.index = index
        self.clean = clean
    }

    mutating func rows(of table: Table) throws(PipelineError) -> [Int32] {
        guard case .dictionary(let coded) = try table.requireColumn("customer_id").values else {
            let strings = try table.strings("customer_id")
            return clean?.mergedRows(of: strings) ?? index.hashed.interner.ordinals(of: strings)
        }
        if mapped?.dictionary != coded.dictionary {
            // nil rows: the codes are rows as they are.
            let index = self.index
            mapped = (
                coded.dictionary,
                clean?.mergedRows(ofEntries: coded.dictionary)
                    ?? coded.dictionary.rows(in: ids, index: { index.hashed.interner })
            )
        }
        guard let map = mapped?.rows else { return coded.codes }
        return map.withUnsafeBufferPointer { map in coded.codes.map { $0 < 0 ? -1 : map[Int($0)] } }
    }
}

/// Clean's customers and the merged customer each became: how the features stage finds the customer of clean's
/// orders and events when dedupe does not write its own (`dedupe.write_orders_and_events: false`). Clean codes the
/// orders' and events' customer ids over its customers' ids, so an entry of their dictionary is a clean row and
/// dedupe's `merged_rows` gives its merged row, without hashing an id; other ids are looked up.
struct CleanCustomers: Sendable {
    /// Clean's customer ids (hashed if a lookup needs it).
    let index: CustomerIndex
    /// Per clean customer, the row of its merged customer (dedupe's `merged_rows`).
    let mergedRow: [Int32]

    /// Checks that `mergedRow` has a row of the `mergedCount` merged customers for each of the clean customers.
    init(ids: StringColumn, mergedRow: [Int64], mergedCount: Int) throws(PipelineError) {
        guard mergedRow.count == ids.count, mergedRow.allSatisfy({ $0 >= 0 && $0 < mergedCount }) else {
            throw PipelineError(
                .checkpoint,
                "dedupe's merged_rows does not match the clean customers (\(mergedRow.count) rows for \(ids.count) "
                    + "customers, or rows beyond the \(mergedCount) merged ones); rerun dedupe with --force")
        }
        index = CustomerIndex(ids: ids)
        self.mergedRow = mergedRow.map { Int32($0) }
    }

    /// The merged row of each entry of `dictionary` (-1 for an id that is not a clean customer's).
    func mergedRows(ofEntries dictionary: StringColumn) -> [Int32] {
        let index = self.index
        guard let rows = dictionary.rows(in: index.ids, index: { index.hashed.interner }) else {
            return Array(mergedRow[0..<dictionary.count])
        }
        return rows.map { $0 < 0 ? -1 : mergedRow[Int($0)] }
    }

    /// The merged row of the customer of each id of `ids` (-1 for an id that is not a clean customer's).
    func mergedRows(of ids: StringColumn) -> [Int32] {
        index.hashed.interner.ordinals(of: ids).map { $0 < 0 ? -1 : mergedRow[Int($0)] }
    }
}

/// The merged customers' ids, hashed (ordinal == row) the first time they are needed, by whichever thread needs
/// them first (the other waits). With dedupe's checkpoint nothing needs the table: its coded `customer_id` columns
/// are rows already, and its merged customers come in the byte order of their ids, which the check that the ids
/// are distinct confirms in one pass. Other inputs are hashed beside the aggregation instead of before it.
final class CustomerIndex: Sendable {
    let ids: StringColumn
    private let built = Mutex<FrozenInterner?>(nil)

    init(ids: StringColumn) {
        self.ids = ids
    }

    var hashed: FrozenInterner {
        built.withLock { built in
            if let built { return built }
            let index = FrozenInterner(interner: StringInterner(ids))
            built = index
            return index
        }
    }

    /// Throws when the ids are not distinct (ordinals would not be rows). Ids in ascending byte order (as dedupe
    /// writes its merged customers) are distinct without hashing them; any others are hashed.
    func checkDistinct() throws(PipelineError) {
        guard ids.isAscending(strictly: true) || hashed.interner.count == ids.count else {
            throw PipelineError(
                .checkpoint, "the merged customers table repeats a customer_id; rerun dedupe with --force")
        }
    }
}

/// A text column as codes (-1 for a null, see ``DictionaryColumn``) and the kind of each dictionary
/// entry, one more first for code -1: `kinds[code + 1]`.
func codedKinds<Kind>(_ table: Table, _ name: String, other: Kind, _ kind: (String) -> Kind) throws(PipelineError)
    -> (codes: [Int32], kinds: [Kind])
{
    let coded = try table.coded(name)
    var kinds = [other]
    kinds.reserveCapacity(coded.dictionary.count + 1)
    for entry in 0..<coded.dictionary.count { kinds.append(kind(coded.dictionary[entry])) }
    return (coded.codes, kinds)
}

/// Per-customer order aggregates of the features stage, plus the completed orders as flat columns (for the CLV
/// summary and the category tally).
struct OrderAggregates: Sendable {
    var totals: OrderTotals
    /// Customer row, day, amount and category ordinal (-1 for none) of every completed order.
    var orderCustomer: [Int32] = []
    var orderDay: [Int32] = []
    var orderAmount: [Double] = []
    var orderCategory: [Int32] = []
    /// The category names by ordinal.
    var categoryNames = FrozenInterner(interner: StringInterner(capacity: 64))

    /// No orders yet: every customer's totals empty. `expectedOrders` reserves room for the completed orders.
    init(customerCount count: Int, expectedOrders: Int = 0) {
        totals = OrderTotals(customerCount: count)
        orderCustomer.reserveCapacity(expectedOrders)
        orderDay.reserveCapacity(expectedOrders)
        orderAmount.reserveCapacity(expectedOrders)
        orderCategory.reserveCapacity(expectedOrders)
    }

    /// Adds a slice of the orders to the per-customer aggregates (slices in any order give the same totals; the
    /// flat columns keep the order they come in).
    ///
    /// Only `completed` orders count towards frequency, monetary value, first/last order and 12-month revenue;
    /// `returned` ones towards the return rate. Orders of customers not in `customers` are ignored. Stops early when
    /// `ticker` reports the run cancelled (the stage then checks and throws).
    /// - Complexity: O(orders); customers, statuses and categories are looked up on the column bytes.
    mutating func add(_ orders: Table, customers: inout CustomerRows, asOf: Int32, ticker: inout RowTicker)
        throws(PipelineError)
    {
        guard orders.rowCount > 0 else { return }
        let customerOfOrder = try customers.rows(of: orders)
        let dates = try orders.dates("order_date")
        let amounts = try orders.doubles("amount")
        let (statusOfOrder, statusKind) = try codedKinds(orders, "status", other: .other) { OrderStatusKind($0) }
        let categoryValid = try orders.validity("category")
        let names = categoryNames.interner
        // Each distinct category (a dictionary entry, or each distinct value of plain text) named once.
        let categories = try orders.coded("category")
        var nameOfEntry: [Int32] = []
        nameOfEntry.reserveCapacity(categories.dictionary.count)
        categories.dictionary.withUnsafeStorage { offsets, bytes in
            for entry in 0..<categories.dictionary.count {
                let name = UnsafeBufferPointer(rebasing: bytes[offsets[entry]..<offsets[entry + 1]])
                // An empty category counts as none.
                nameOfEntry.append(name.isEmpty ? -1 : Int32(names.insert(name).ordinal))
            }
        }
        var categoryOfOrder = categories.codes.map { $0 < 0 ? -1 : nameOfEntry[Int($0)] }
        if let categoryValid {
            for row in categoryValid.indices where !categoryValid[row] { categoryOfOrder[row] = -1 }
        }
        // The completed orders' flat columns grow by the slice's rows (trimmed to the completed ones after), so
        // that the loop writes through pointers instead of appending to four arrays per order.
        let rowCount = orders.rowCount
        let start = orderCustomer.count
        orderCustomer.append(contentsOf: repeatElement(0, count: rowCount))
        orderDay.append(contentsOf: repeatElement(0, count: rowCount))
        orderAmount.append(contentsOf: repeatElement(0, count: rowCount))
        orderCategory.append(contentsOf: repeatElement(0, count: rowCount))
        var completed = 0
        Self.withTotals(of: &totals) { frequency, monetary, returned, firstOrder, lastOrder, revenueLastYear in
            Self.withFlatColumns(of: &orderCustomer, &orderDay, &orderAmount, &orderCategory) {
                flatCustomer, flatDay, flatAmount, flatCategory in
                for row in 0..<rowCount {
                    if ticker.tick() { break }  // cancelled: the stage checks and throws
                    let customer = Int(customerOfOrder[row])
                    guard customer >= 0 else { continue }
                    switch statusKind[Int(statusOfOrder[row]) + 1] {
                    case .completed:
                        let day = dates[row]
                        let amount = amounts[row]
                        frequency[customer] += 1
                        monetary[customer] += amount
                        firstOrder[customer] = min(firstOrder[customer], day)
                        lastOrder[customer] = max(lastOrder[customer], day)
                        if asOf - day < 365 { revenueLastYear[customer] += amount }
                        let position = start + completed
                        flatCustomer[position] = Int32(customer)
                        flatDay[position] = day
                        flatAmount[position] = amount
                        flatCategory[position] = categoryOfOrder[row]
                        completed += 1
                    case .returned:
                        returned[customer] += 1
                    case .other:
                        break
                    }
                }
            }
        }
        let unused = rowCount - completed
        orderCustomer.removeLast(unused)
        orderDay.removeLast(unused)
        orderAmount.removeLast(unused)
        orderCategory.removeLast(unused)
    }

    /// Calls `body` with the per-customer totals' storage.
    private static func withTotals(
        of totals: inout OrderTotals,
        _ body: (
            UnsafeMutableBufferPointer<Int64>, UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Int64>,
            UnsafeMutableBufferPointer<Int32>, UnsafeMutableBufferPointer<Int32>, UnsafeMutableBufferPointer<Double>
        ) -> Void
    ) {
        totals.frequency.withUnsafeMutableBufferPointer { frequency in
            totals.monetary.withUnsafeMutableBufferPointer { monetary in
                totals.returned.withUnsafeMutableBufferPointer { returned in
                    totals.firstOrder.withUnsafeMutableBufferPointer { firstOrder in
                        totals.lastOrder.withUnsafeMutableBufferPointer { lastOrder in
                            totals.revenueLastYear.withUnsafeMutableBufferPointer { revenueLastYear in
                                body(frequency, monetary, returned, firstOrder, lastOrder, revenueLastYear)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Calls `body` with the storage of the completed orders' flat columns.
    private static func withFlatColumns(
        of orderCustomer: inout [Int32], _ orderDay: inout [Int32], _ orderAmount: inout [Double],
        _ orderCategory: inout [Int32],
        _ body: (
            UnsafeMutableBufferPointer<Int32>, UnsafeMutableBufferPointer<Int32>, UnsafeMutableBufferPointer<Double>,
            UnsafeMutableBufferPointer<Int32>
        ) -> Void
    ) {
        orderCustomer.withUnsafeMutableBufferPointer { customer in
            orderDay.withUnsafeMutableBufferPointer { day in
                orderAmount.withUnsafeMutableBufferPointer { amount in
                    orderCategory.withUnsafeMutableBufferPointer { category in body(customer, day, amount, category) }
                }
            }
        }
    }
}

/// Everything of the features that comes from the orders, per merged customer row: the aggregates, the CLV
/// summary (distinct purchase days, first-to-last and first-to-`as_of` days, mean repeat spend) and the category
/// tally. Computed in process from the orders table, or by the orders source's server (`features.pushdown`).
struct OrderFeatures: Sendable {
    var totals: OrderTotals
    var summary: CLVSummary
    /// Distinct categories of each customer's completed orders (0 without categorised orders).
    var categoryCount: [Int32]
    /// Ordinal in `categoryNames` of each customer's top category, or -1.
    var topCategory: [Int32]
    var categoryNames: FrozenInterner
    /// With pushdown, the rows the server returned (one per merged customer with orders); nil in process.
    var rowsFetched: Int?

    /// The features of the orders aggregated in process.
    init(_ aggregates: OrderAggregates, customerCount: Int, asOf: Int32) throws(PipelineError) {
        totals = aggregates.totals
        // Two passes over the completed orders that share nothing: side by side.
        let (summary, tally) = try concurrently(
            { () throws(PipelineError) in
                do {
                    return try CLVSummary(
                        customerCount: customerCount, customerIndex: aggregates.orderCustomer,
                        orderDay: aggregates.orderDay, amount: aggregates.orderAmount, observationDay: asOf)
                } catch {
                    throw PipelineError(.internal, "cannot summarise orders for the CLV model", underlying: error)
                }
            },
            {
                CategoryTally(
                    customerCount: customerCount, orderCustomer: aggregates.orderCustomer,
                    orderCategory: aggregates.orderCategory, names: aggregates.categoryNames.interner)
            })
        self.summary = summary
        categoryCount = tally.distinctCount
        topCategory = tally.top
        categoryNames = aggregates.categoryNames
    }

    /// The features of the orders as the server computed them (see ``OrderAggregatePushdown``).
    init(
        totals: OrderTotals, summary: CLVSummary, categoryCount: [Int32], topCategory: [Int32],
        categoryNames: StringInterner
    ) {
        self.totals = totals
        self.summary = summary
        self.categoryCount = categoryCount
        self.topCategory = topCategory
        self.categoryNames = FrozenInterner(interner: categoryNames)
    }
}

/// Per-customer email engagement counts of the features stage.
struct EmailAggregates: Sendable {
    var lastOpen: [Int64]
    var sent: [Int64]
    var opens: [Int64]
    var clicks: [Int64]
    var unsubscribed: [Bool]

    /// No events yet.
    init(customerCount count: Int) {
        lastOpen = [Int64](repeating: .min, count: count)
        sent = [Int64](repeating: 0, count: count)
        opens = [Int64](repeating: 0, count: count)
        clicks = [Int64](repeating: 0, count: count)
        unsubscribed = [Bool](repeating: false, count: count)
    }

    /// Adds a slice of the email events to the counts. Stops early when `ticker` reports the run cancelled.
    /// - Complexity: O(events); customers and event types are looked up on the column bytes.
    mutating func add(_ events: Table, customers: inout CustomerRows, ticker: inout RowTicker)
        throws(PipelineError)
    {
        guard events.rowCount > 0 else { return }
        let customerOfEvent = try customers.rows(of: events)
        let (typeOfEvent, typeKind) = try codedKinds(events, "event_type", other: .other) { EmailEventKind($0) }
        let times = try events.timestamps("event_time")
        // The counts are written through pointers (an array element updated in place checks the array's
        // uniqueness on every event).
        sent.withUnsafeMutableBufferPointer { sent in
            opens.withUnsafeMutableBufferPointer { opens in
                clicks.withUnsafeMutableBufferPointer { clicks in
                    lastOpen.withUnsafeMutableBufferPointer { lastOpen in
                        unsubscribed.withUnsafeMutableBufferPointer { unsubscribed in
                            for row in 0..<events.rowCount {
                                if ticker.tick() { break }  // cancelled: the stage checks and throws
                                let customer = Int(customerOfEvent[row])
                                guard customer >= 0 else { continue }
                                switch typeKind[Int(typeOfEvent[row]) + 1] {
                                case .sent: sent[customer] += 1
                                case .open:
                                    opens[customer] += 1
                                    lastOpen[customer] = max(lastOpen[customer], times[row])
                                case .click: clicks[customer] += 1
                                case .unsubscribe: unsubscribed[customer] = true
                                case .other: break
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
