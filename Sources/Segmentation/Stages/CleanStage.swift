import Columnar
import Logging

/// Normalises and validates the extracted tables; rows that cannot be used become rejects.
///
/// - Customers: ids trimmed (empty or repeated ids rejected, the first occurrence kept), emails trimmed,
///   lower-cased and syntax-checked (an invalid email becomes null, the customer stays), countries mapped to
///   ISO 3166 alpha-2.
/// - Orders: unknown customers, order dates after `as_of`, unknown currencies and unknown statuses rejected;
///   repeated `order_id`s kept once; amounts converted with the configured rates; status mapped to
///   `completed`, `returned` or `cancelled`.
/// - Email events: unknown customers and unknown event types rejected.
/// - The share of rows rejected per table (extract and clean together) is checked against
///   `clean.max_reject_rate`; above it the stage fails with exit code 3 and nothing is published.
struct CleanStage {
    let context: StageContext

    func run(_ inputs: StageInputs) throws(PipelineError) -> StageOutput {
        let extractRejects = try RejectTable.rejects(in: try inputs.table("rejects", of: .extract))
        var rejects: [Reject] = []
        var metrics: [String: JSONValue] = [:]

        let rawCustomers = try inputs.table("customers", of: .extract)
        // Every row this stage checks is known now: the progress line shows the share done and an ETA.
        context.progress.expectTotal(
            Int64(
                rawCustomers.rowCount + (try inputs.table("orders", of: .extract)).rowCount
                    + (try inputs.table("email_events", of: .extract)).rowCount), of: .rows)
        var (customers, customerMetrics) = try cleanCustomers(rawCustomers, rejects: &rejects)
        let cleanIDs = try customers.strings("customer_id")
        let customerIDs = FrozenInterner(interner: StringInterner(cleanIDs))
        let placeholder = context.configuration.clean.placeholderCustomer
        try context.checkCancellation()
        let rawOrders = try inputs.table("orders", of: .extract)
        let rawEvents = try inputs.table("email_events", of: .extract)
        // Orders and events only read the customer ids: clean them side by side.
        let (cleanedOrders, cleanedEvents) = try concurrently(
            { () throws(PipelineError) in try cleanOrders(rawOrders, customerIDs: customerIDs, placeholder: placeholder)
            },
            { () throws(PipelineError) in try cleanEvents(rawEvents, customerIDs: customerIDs, placeholder: placeholder)
            })
        try context.checkCancellation()
        let orders = cleanedOrders.rows
        let events = cleanedEvents.rows
        let orderMetrics = cleanedOrders.metrics
        rejects.append(contentsOf: cleanedOrders.rejects)
        rejects.append(contentsOf: cleanedEvents.rejects)
        let orphans = cleanedOrders.orphans + cleanedEvents.orphans
        if let placeholder, orphans > 0, customerIDs.interner.ordinal(of: placeholder) == nil {
            customers = try appendingPlaceholder(placeholder, to: customers)
        }
        metrics["orphans_kept_under_placeholder"] = .int(orphans)
        metrics.merge(customerMetrics) { $1 }
        metrics.merge(orderMetrics) { $1 }

        var qualityFailure: String?
        var rates: [String: JSONValue] = [:]
        for (name, raw, cleanCount) in [
            ("customers", rawCustomers, customers.rowCount), ("orders", rawOrders, orders.rowCount),
            ("email_events", rawEvents, events.rowCount),
        ] {
            let extractRejected = extractRejects.lazy.filter { $0.table == name }.count
            let read = raw.rowCount + extractRejected
            let rejected = extractRejected + rejects.lazy.filter { $0.table == name }.count
            let rate = read == 0 ? 0 : Double(rejected) / Double(read)
            rates[name] = .double(rate)
            metrics["rows_in.\(name)"] = .int(Int64(raw.rowCount))
            metrics["rows_out.\(name)"] = .int(Int64(cleanCount))
            if rate > context.configuration.clean.maxRejectRate, qualityFailure == nil {
                qualityFailure =
                    "\(name): \(rejected) of \(read) rows rejected (\(percent(rate))), above clean.max_reject_rate "
                    + "\(percent(context.configuration.clean.maxRejectRate)); see the rejects table for reasons"
            }
        }
        metrics["reject_rate"] = .object(rates)
        metrics["rows_rejected"] = .int(Int64(rejects.count))
        metrics["rejects_by_reason"] = RejectTable.countsByReason(rejects)
        let rejectTable = RejectTable.make(rejects)
        guard let output = context.checkpointOutput else {
            return StageOutput(
                tables: [
                    ("customers", customers), ("orders", try orders.table()), ("email_events", try events.table()),
                    ("rejects", rejectTable),
                ],
                metrics: metrics, qualityFailure: qualityFailure)
        }
        // Kept orders and events are gathered into the checkpoint a record batch at a time: their filtered copies
        // never exist whole in memory (at 1M customers that is over a GB less at the stage's peak).
        let cleanCustomers = customers
        let files = try concurrentMap(["customers", "orders", "email_events"]) { name throws(PipelineError) in
            switch name {
            case "orders": try output.write(orders, named: name)
            case "email_events": try output.write(events, named: name)
            default: try output.write(cleanCustomers, named: name)
            }
        }
        var result = StageOutput(tables: [("rejects", rejectTable)], metrics: metrics, qualityFailure: qualityFailure)
        result.files = files
        return result
    }

    private func percent(_ rate: Double) -> String {
        let value = (rate * 1000).rounded() / 10
        return "\(value)%"
    }

    // MARK: - Customers

    /// What to do with a missing value of a field.
    enum MissingValuePolicy: Equatable {
        case keep
        case reject
        case fill(String)
    }

    /// The policies of `clean.missing_values` for one table's text fields (`customers.city: "default:unbekannt"`).
    func missingValuePolicies(for table: String) throws(PipelineError) -> [(String, MissingValuePolicy)] {
        var policies: [(String, MissingValuePolicy)] = []
        for (key, rule) in context.configuration.clean.missingValues.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0] == table else { continue }
            switch rule {
            case "keep": policies.append((parts[1], .keep))
            case "reject": policies.append((parts[1], .reject))
            case let text where text.hasPrefix("default:"):
                policies.append((parts[1], .fill(String(text.dropFirst(8)))))
            default:
                throw PipelineError(
                    .configuration,
                    "clean.missing_values.\(key): unknown policy \"\(rule)\" (expected keep, reject or default:VALUE)")
            }
        }
        return policies
    }

    // MARK: - Orders

    /// Clean orders, their rejects and metrics.
    struct CleanedOrders: Sendable {
        var rows: GatheredTable
        var rejects: [Reject]
        var orphans: Int64
        var metrics: [String: JSONValue]
    }

    /// Checks every order against the customer ids and the configured currencies and statuses.
    ///
    /// Works on the column bytes: customer ids are looked up and order ids deduplicated through
    /// ``StringInterner``s, and each distinct raw currency and status is mapped once, not once per row.
    private func cleanOrders(_ table: Table, customerIDs: FrozenInterner, placeholder: String?)
        throws(PipelineError) -> CleanedOrders
    {
        let settings = context.configuration.clean
        let file = context.configuration.sources.orders.displayName
        let rowCount = table.rowCount
        let orderIDs = try table.strings("order_id")
        let customers = try table.strings("customer_id")
        let dates = try table.dates("order_date")
        let amounts = try table.doubles("amount")
        let lines = try table.int64s(CanonicalSchema.lineColumn)
        var statusMap: [String: String] = [:]
        for (canonical, values) in [
            ("completed", settings.orderStatus.completed), ("returned", settings.orderStatus.returned),
            ("cancelled", settings.orderStatus.cancelled),
        ] {
            for value in values { statusMap[Normalization.trimmed(value).lowercased()] = canonical }
        }
        var rates: [String: Double] = [:]
        for (code, rate) in settings.currencyRates { rates[code.uppercased()] = rate }
        let defaultCurrency = settings.currencyRates.count == 1 ? settings.currencyRates.keys.first ?? "EUR" : "EUR"

        // Each distinct raw currency and status, mapped once.
        let rawCurrencies = StringInterner(capacity: 16)
        let currencies = try table.strings("currency")
        let currencyOfRow = rawCurrencies.insertAll(currencies)
        let currencyOf: [(code: String, rate: Double?)] = (0..<rawCurrencies.count).map { ordinal in
            let raw = Normalization.trimmed(rawCurrencies.string(at: ordinal)).uppercased()
            let code = raw.isEmpty ? defaultCurrency : raw
            return (code, rates[code])
        }
        let rawStatuses = StringInterner(capacity: 16)
        let statuses = try table.strings("status")
        let statusOfRow = rawStatuses.insertAll(statuses)
        let statusOf: [String?] = (0..<rawStatuses.count).map { ordinal in
            statusMap[Normalization.trimmed(rawStatuses.string(at: ordinal)).lowercased()]
        }

        var rejects: [Reject] = []
        func reject(_ row: Int, _ field: String, _ reason: String, _ raw: String) {
            rejects.append(
                Reject(
                    stage: "clean", table: "orders", file: file, line: lines[row], field: field, reason: reason,
                    raw: raw))
        }
        // Pass 1: every check but the repeated order id; rejects in row order.
        var candidates: [Int] = []
        candidates.reserveCapacity(rowCount)
        var isKnownCustomer = [Bool](repeating: true, count: rowCount)
        let asOf = context.asOf
        let hasPlaceholder = placeholder != nil
        var ticker = RowTicker(context)
        customers.withUnsafeStorage { customerOffsets, customerBytes in
            for row in 0..<rowCount {
                if ticker.tick() { break }
                let isKnown = customerIDs.containsTrimmed(row, of: customers, customerOffsets, customerBytes)
                if !isKnown, !hasPlaceholder {
                    let customer = Normalization.trimmed(customers[row])
                    reject(
                        row, "customer_id", "unknown customer: no customer \"\(customer)\" in the customers source",
                        customer)
                    continue
                }
                isKnownCustomer[row] = isKnown
                guard dates[row] <= asOf else {
                    reject(
                        row, "order_date",
                        "order date after as_of: \(CalendarDate.isoString(dates[row])) is after \(CalendarDate.isoString(asOf))",
                        CalendarDate.isoString(dates[row]))
                    continue
                }
                let currency = currencyOf[Int(currencyOfRow[row])]
                guard currency.rate != nil else {
                    reject(
                        row, "currency", "unknown currency: \"\(currency.code)\" has no rate in clean.currency_rates",
                        currencies[row])
                    continue
                }
                guard let status = statusOf[Int(statusOfRow[row])] else {
                    reject(
                        row, "status", "unknown status: \"\(statuses[row])\" is not mapped in clean.order_status",
                        statuses[row])
                    continue
                }
                if status == "completed", amounts[row] < 0 {
                    reject(row, "amount", "negative amount on a completed order: \(amounts[row])", String(amounts[row]))
                    continue
                }
                candidates.append(row)
            }
        }
        ticker.finish()
        try context.checkCancellation()

        // Pass 2: repeated order ids among the rows that passed (the first occurrence is kept).
        let repeated = trimmedColumn(orderIDs, rows: candidates).repeatedRows(among: candidates)

        // Pass 3: the kept rows' new column values.
        var keep: [Int] = []
        keep.reserveCapacity(candidates.count)
        var duplicateOrders: Int64 = 0
        var orphans: Int64 = 0
        var convertedAmounts: [Double] = []
        convertedAmounts.reserveCapacity(candidates.count)
        var canonicalStatus = StringColumn(capacity: candidates.count, byteCapacity: candidates.count * 9)
        var customerColumn = StringColumn(capacity: candidates.count, byteCapacity: customers.bytes.count)
        var currencyColumn = StringColumn(capacity: candidates.count, byteCapacity: candidates.count * 3)
        let placeholderBytes = placeholder.map { Array($0.utf8) } ?? []
        customers.withUnsafeStorage { customerOffsets, customerBytes in
            for (position, row) in candidates.enumerated() {
                guard !repeated[position] else {
                    duplicateOrders += 1
                    continue
                }
                let currency = currencyOf[Int(currencyOfRow[row])]
                keep.append(row)
                convertedAmounts.append(amounts[row] * (currency.rate ?? .nan))
                canonicalStatus.append(statusOf[Int(statusOfRow[row])] ?? "")
                if !isKnownCustomer[row] { orphans += 1 }
                Self.appendCustomer(
                    row, of: customers, customerOffsets, customerBytes, isKnown: isKnownCustomer[row],
                    placeholder: placeholderBytes, to: &customerColumn)
                currencyColumn.append(currency.code)
            }
        }
        let rows = GatheredTable(
            source: table, rows: keep,
            replacing: [
                "amount": Column(name: "amount", values: .float64(convertedAmounts)),
                "status": Column(name: "status", values: .utf8(canonicalStatus)),
                "customer_id": Column(name: "customer_id", values: .utf8(customerColumn)),
                "currency": Column(name: "currency", values: .utf8(currencyColumn)),
            ])
        return CleanedOrders(
            rows: rows, rejects: rejects, orphans: orphans,
            metrics: ["duplicate_orders_dropped": .int(duplicateOrders)])
    }

    /// Appends the customer id of an order or event to the clean column: its trimmed bytes, or the placeholder's
    /// when the customer is unknown (only called then when a placeholder is configured).
    @inline(__always)
    private static func appendCustomer(
        _ row: Int, of customers: StringColumn, _ offsets: UnsafeBufferPointer<Int>,
        _ bytes: UnsafeBufferPointer<UInt8>,
        isKnown: Bool, placeholder: [UInt8], to column: inout StringColumn
    ) {
        if !isKnown {
            placeholder.withUnsafeBufferPointer { column.append(utf8: $0) }
        } else if let trimmed = Normalization.asciiTrimmed(
            UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]]))
        {
            column.append(utf8: trimmed)
        } else {
            column.append(Normalization.trimmed(customers[row]))
        }
    }

    /// `column` itself when none of `rows` has whitespace at either end, else a copy with every string trimmed
    /// (the rows outside `rows` left as they are).
    private func trimmedColumn(_ column: StringColumn, rows: [Int]) -> StringColumn {
        let needsTrimming = column.withUnsafeStorage { offsets, bytes in
            rows.contains { row in
                let value = UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]])
                return Normalization.asciiTrimmed(value)?.count != value.count
            }
        }
        guard needsTrimming else { return column }
        return StringColumn((0..<column.count).map { Normalization.trimmed(column[$0]) })
    }

    // MARK: - Email events

    /// Clean email events, their rejects and the orphans kept under the placeholder.
    struct CleanedEvents: Sendable {
        var rows: GatheredTable
        var rejects: [Reject]
        var orphans: Int64
    }

    /// Checks every email event against the customer ids and the known event types (on the column bytes, each
    /// distinct raw type mapped once).
    private func cleanEvents(_ table: Table, customerIDs: FrozenInterner, placeholder: String?)
        throws(PipelineError) -> CleanedEvents
    {
        guard table.rowCount > 0 else {
            return CleanedEvents(rows: GatheredTable(source: table, rows: [], replacing: [:]), rejects: [], orphans: 0)
        }
        let rowCount = table.rowCount
        let file = context.configuration.sources.emailEvents?.displayName ?? "email_events"
        let customers = try table.strings("customer_id")
        let lines = try table.int64s(CanonicalSchema.lineColumn)
        let known: Set<String> = ["sent", "open", "click", "unsubscribe", "bounce"]
        let rawTypes = StringInterner(capacity: 16)
        let types = try table.strings("event_type")
        let typeOfRow = rawTypes.insertAll(types)
        let typeOf: [String?] = (0..<rawTypes.count).map { ordinal in
            let type = Normalization.trimmed(rawTypes.string(at: ordinal)).lowercased()
            return known.contains(type) ? type : nil
        }
        var rejects: [Reject] = []
        var orphans: Int64 = 0
        var keep: [Int] = []
        keep.reserveCapacity(rowCount)
        var typeColumn = StringColumn(capacity: rowCount, byteCapacity: rowCount * 5)
        var customerColumn = StringColumn(capacity: rowCount, byteCapacity: customers.bytes.count)
        let placeholderBytes = placeholder.map { Array($0.utf8) } ?? []
        var ticker = RowTicker(context)
        customers.withUnsafeStorage { customerOffsets, customerBytes in
            for row in 0..<rowCount {
                if ticker.tick() { break }
                let isKnown = customerIDs.containsTrimmed(row, of: customers, customerOffsets, customerBytes)
                if !isKnown, placeholder == nil {
                    let customer = Normalization.trimmed(customers[row])
                    rejects.append(
                        Reject(
                            stage: "clean", table: "email_events", file: file, line: lines[row], field: "customer_id",
                            reason: "unknown customer: no customer \"\(customer)\" in the customers source",
                            raw: customer))
                    continue
                }
                guard let type = typeOf[Int(typeOfRow[row])] else {
                    let raw = types[row]
                    rejects.append(
                        Reject(
                            stage: "clean", table: "email_events", file: file, line: lines[row], field: "event_type",
                            reason:
                                "unknown event type: \"\(raw)\" (expected sent, open, click, unsubscribe or bounce)",
                            raw: raw))
                    continue
                }
                keep.append(row)
                typeColumn.append(type)
                if !isKnown { orphans += 1 }
                Self.appendCustomer(
                    row, of: customers, customerOffsets, customerBytes, isKnown: isKnown, placeholder: placeholderBytes,
                    to: &customerColumn)
            }
        }
        ticker.finish()
        let rows = GatheredTable(
            source: table, rows: keep,
            replacing: [
                "event_type": Column(name: "event_type", values: .utf8(typeColumn)),
                "customer_id": Column(name: "customer_id", values: .utf8(customerColumn)),
            ])
        return CleanedEvents(rows: rows, rejects: rejects, orphans: orphans)
    }

    /// `customers` with one more row: the placeholder customer (only its id set) that orphans are kept under.
    private func appendingPlaceholder(_ id: String, to customers: Table) throws(PipelineError) -> Table {
        let columns = customers.columns.map { column -> Column in
            var builder = ColumnBuilder(name: column.name, type: column.type, capacity: 1)
            switch column.name {
            case "customer_id": builder.append(id)
            case CanonicalSchema.lineColumn: builder.append(Int64(0))
            default: builder.appendNull()
            }
            return Column.concatenating(column, builder.build())
        }
        return try makeTable(columns)
    }

    func makeTable(_ columns: [Column]) throws(PipelineError) -> Table {
        do {
            return try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "clean produced an inconsistent table", underlying: error)
        }
    }
}
