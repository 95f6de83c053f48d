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
    /// Rows of orders or email events cleaned a slice at a time (whole record batches adding up to at least this).
    var sliceRows = InputBatches.defaultSliceRows

    func run(_ inputs: StageInputs) throws(PipelineError) -> StageOutput {
        let extractRejects = try RejectTable.rejects(in: try inputs.table("rejects", of: .extract))
        var rejects: [Reject] = []
        var metrics: [String: JSONValue] = [:]

        let rawCustomers = try inputs.table("customers", of: .extract)
        let rawOrders = try inputs.batches("orders", of: .extract)
        let rawEvents = try inputs.batches("email_events", of: .extract)
        // Every row this stage checks is known now: the progress line shows the share done and an ETA.
        context.progress.expectTotal(
            Int64(rawCustomers.rowCount + rawOrders.rowCount + rawEvents.rowCount), of: .rows)
        let cleaned = try cleanCustomers(rawCustomers, rejects: &rejects)
        var customers = cleaned.table
        // The id checks interned the kept ids in row order already: no second index of the same ids.
        let customerIDs = FrozenInterner(interner: cleaned.ids)
        let placeholder = context.configuration.clean.placeholderCustomer
        let customerCoding = CustomerCoding(customerIDs, placeholder: placeholder)
        try context.checkCancellation()
        // Orders and events only read the customer ids: clean them side by side, each a slice of record batches at a
        // time, straight into the checkpoint (neither table is ever whole in memory).
        let output = context.checkpointOutput
        let (cleanedOrders, cleanedEvents) = try concurrently(
            { () throws(PipelineError) in
                try cleanOrders(rawOrders, customers: customerCoding, output: output)
            },
            { () throws(PipelineError) in
                try cleanEvents(rawEvents, customers: customerCoding, output: output)
            })
        try context.checkCancellation()
        let orderMetrics = cleanedOrders.metrics
        rejects.append(contentsOf: cleanedOrders.rejects)
        rejects.append(contentsOf: cleanedEvents.rejects)
        let orphans = cleanedOrders.orphans + cleanedEvents.orphans
        if let placeholder, orphans > 0, customerIDs.interner.ordinal(of: placeholder) == nil {
            customers = try appendingPlaceholder(placeholder, to: customers)
        }
        metrics["orphans_kept_under_placeholder"] = .int(orphans)
        metrics.merge(cleaned.metrics) { $1 }
        metrics.merge(orderMetrics) { $1 }

        var qualityFailure: String?
        var rates: [String: JSONValue] = [:]
        for (name, rawCount, cleanCount) in [
            ("customers", rawCustomers.rowCount, customers.rowCount),
            ("orders", rawOrders.rowCount, cleanedOrders.rows.rowCount),
            ("email_events", rawEvents.rowCount, cleanedEvents.rows.rowCount),
        ] {
            let extractRejected = extractRejects.lazy.filter { $0.table == name }.count
            let read = rawCount + extractRejected
            let rejected = extractRejected + rejects.lazy.filter { $0.table == name }.count
            let rate = read == 0 ? 0 : Double(rejected) / Double(read)
            rates[name] = .double(rate)
            metrics["rows_in.\(name)"] = .int(Int64(rawCount))
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
        var result = StageOutput(tables: [], metrics: metrics, qualityFailure: qualityFailure)
        if let output {
            // Final only now (the placeholder customer), and written while nothing else runs.
            result.files.append(try output.write(customers, named: "customers", fillsInParallel: true))
        } else {
            result.tables.append(("customers", customers))
        }
        result.add(cleanedOrders.rows, named: "orders")
        result.add(cleanedEvents.rows, named: "email_events")
        result.tables.append(("rejects", RejectTable.make(rejects)))
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
        var rows: TableSink.Finished
        var rejects: [Reject]
        var orphans: Int64
        var metrics: [String: JSONValue]
    }

    /// Checks every order against the customer ids and the configured currencies and statuses, a slice of record
    /// batches at a time, and puts the kept rows into the `orders` table of the checkpoint (or of the output).
    ///
    /// Works on the column bytes: customer ids are looked up and order ids deduplicated through
    /// ``StringInterner``s (the order ids seen so far span all slices), and each distinct raw currency and status is
    /// mapped once per slice, not once per row.
    private func cleanOrders(
        _ input: InputBatches, customers: CustomerCoding, output: CheckpointOutput?
    ) throws(PipelineError) -> CleanedOrders {
        let settings = context.configuration.clean
        var statusMap: [String: String] = [:]
        for (canonical, values) in [
            ("completed", settings.orderStatus.completed), ("returned", settings.orderStatus.returned),
            ("cancelled", settings.orderStatus.cancelled),
        ] {
            for value in values { statusMap[Normalization.trimmed(value).lowercased()] = canonical }
        }
        var rates: [String: Double] = [:]
        for (code, rate) in settings.currencyRates { rates[code.uppercased()] = rate }
        var cleaner = OrderCleaner(
            file: context.configuration.sources.orders.displayName, asOf: context.asOf, statusMap: statusMap,
            rates: rates,
            defaultCurrency: settings.currencyRates.count == 1 ? settings.currencyRates.keys.first ?? "EUR" : "EUR",
            customers: customers, input: input,
            seenOrderIDs: SeenKeys(capacity: input.rowCount), ticker: RowTicker(context))
        let rows = try TableSink.stream(input, rows: sliceRows, into: "orders", output: output) {
            slice throws(PipelineError) in
            let kept = try cleaner.clean(slice)
            try context.checkCancellation()
            return kept
        }
        cleaner.ticker.finish()
        return CleanedOrders(
            rows: rows, rejects: cleaner.rejects, orphans: cleaner.orphans,
            metrics: ["duplicate_orders_dropped": .int(cleaner.duplicateOrders)])
    }

    /// The order checks, applied a slice at a time; holds what spans slices (the order ids seen, rejects, counts).
    private struct OrderCleaner {
        let file: String
        let asOf: Int32
        let statusMap: [String: String]
        let rates: [String: Double]
        let defaultCurrency: String
        let customers: CustomerCoding
        /// The canonical currencies and statuses met so far (each known currency and mapped status once, in the
        /// order first met): the dictionaries of those columns, which grow as slices bring new values (each slice's
        /// dictionary extends the one before).
        let currencyCodes = StringInterner(capacity: 16)
        let statusCodes = StringInterner(capacity: 4)
        let categories = RepeatedTextCoder("category")
        /// The whole input, for reading back the id of an order in an earlier slice.
        let input: InputBatches
        /// Trimmed ids of the orders kept so far, by row: a repeated id is dropped (the first occurrence is kept).
        let seenOrderIDs: SeenKeys
        var ticker: RowTicker
        /// The row of the input the current slice starts at.
        var sliceStart = 0
        var rejects: [Reject] = []
        var duplicateOrders: Int64 = 0
        var orphans: Int64 = 0

        /// The kept rows of `table`, their amounts converted, statuses and currencies canonical and customer ids
        /// trimmed (or the placeholder's).
        mutating func clean(_ table: Table) throws(PipelineError) -> Table {
            let rowCount = table.rowCount
            let orderIDs = try table.strings("order_id")
            let customers = try table.strings("customer_id")
            let dates = try table.dates("order_date")
            let amounts = try table.doubles("amount")
            let lines = try table.int64s(CanonicalSchema.lineColumn)

            // Each distinct raw currency and status, mapped once.
            let (currencyOfRow, rawCurrencies) = try CleanStage.rawCodes(table, "currency")
            let currencyOf: [(code: String, rate: Double?, ordinal: Int32)] = (0..<rawCurrencies.count).map {
                ordinal in
                let raw = Normalization.trimmed(rawCurrencies[ordinal]).uppercased()
                let code = raw.isEmpty ? defaultCurrency : raw
                let rate = rates[code]
                return (code, rate, rate == nil ? -1 : Int32(currencyCodes.insert(code).ordinal))
            }
            let (statusOfRow, rawStatuses) = try CleanStage.rawCodes(table, "status")
            let statusOf: [(name: String, ordinal: Int32)?] = (0..<rawStatuses.count).map { ordinal in
                statusMap[Normalization.trimmed(rawStatuses[ordinal]).lowercased()].map {
                    ($0, Int32(statusCodes.insert($0).ordinal))
                }
            }

            let file = self.file
            var rejects: [Reject] = []
            func reject(_ row: Int, _ field: String, _ reason: String, _ raw: String) {
                rejects.append(
                    Reject(
                        stage: "clean", table: "orders", file: file, line: lines[row], field: field, reason: reason,
                        raw: raw))
            }
            defer { self.rejects.append(contentsOf: rejects) }
            let hasPlaceholder = self.customers.placeholderCode != nil
            let customerIDs = self.customers.ids
            let seen = seenOrderIDs

            // Pass 1: every check but the repeated order id, rejects in row order; the rows that pass, with the hash
            // of their trimmed order id.
            var candidates: [Int] = []
            candidates.reserveCapacity(rowCount)
            var hashes: [UInt64] = []
            hashes.reserveCapacity(rowCount)
            // The customer's row in the clean customers (its code), -1 for an unknown one.
            var customerOfRow = [Int32](repeating: -1, count: rowCount)
            var cancelled = false
            customers.withUnsafeStorage { customerOffsets, customerBytes in
                orderIDs.withUnsafeStorage { orderOffsets, orderBytes in
                    for row in 0..<rowCount {
                        if ticker.tick() {
                            cancelled = true
                            break
                        }
                        if row + StringInterner.lookahead < rowCount {
                            customerIDs.prefetchTrimmed(row + StringInterner.lookahead, customerOffsets, customerBytes)
                        }
                        let known = customerIDs.ordinalTrimmed(row, of: customers, customerOffsets, customerBytes)
                        if known == nil, !hasPlaceholder {
                            let customer = Normalization.trimmed(customers[row])
                            reject(row, "customer_id", CleanStage.unknownCustomerReason(customer), customer)
                            continue
                        }
                        customerOfRow[row] = Int32(known ?? -1)
                        guard dates[row] <= asOf else {
                            reject(
                                row, "order_date",
                                "order date after as_of: \(CalendarDate.isoString(dates[row])) is after "
                                    + CalendarDate.isoString(asOf),
                                CalendarDate.isoString(dates[row]))
                            continue
                        }
                        let currency = currencyOf[Int(currencyOfRow[row])]
                        guard currency.rate != nil else {
                            reject(
                                row, "currency",
                                "unknown currency: \"\(currency.code)\" has no rate in clean.currency_rates",
                                rawCurrencies[Int(currencyOfRow[row])])
                            continue
                        }
                        guard let status = statusOf[Int(statusOfRow[row])]?.name else {
                            let raw = rawStatuses[Int(statusOfRow[row])]
                            reject(row, "status", "unknown status: \"\(raw)\" is not mapped in clean.order_status", raw)
                            continue
                        }
                        if status == "completed", amounts[row] < 0 {
                            reject(
                                row, "amount", "negative amount on a completed order: \(amounts[row])",
                                String(amounts[row]))
                            continue
                        }
                        candidates.append(row)
                        hashes.append(
                            CleanStage.withTrimmed(
                                UnsafeBufferPointer(rebasing: orderBytes[orderOffsets[row]..<orderOffsets[row + 1]])
                            ) { seen.hash($0) })
                    }
                }
            }
            if cancelled { throw PipelineError(.cancelled, "cancelled by signal") }

            // Pass 2: repeated order ids among the rows that passed, over every slice so far (the first occurrence
            // is kept). The table is far larger than the cache: each slot is fetched a few rows ahead.
            var isRepeat = [Bool](repeating: false, count: candidates.count)
            let (input, sliceStart) = (self.input, self.sliceStart)
            let failure: PipelineError? = orderIDs.withUnsafeStorage { offsets, bytes in
                func trimmedEquals(_ row: Int, _ other: Int) throws(PipelineError) -> Bool {
                    try CleanStage.withTrimmed(UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]])) {
                        key throws(PipelineError) in
                        let earlier = other - sliceStart
                        if earlier >= 0 {
                            return CleanStage.withTrimmed(
                                UnsafeBufferPointer(rebasing: bytes[offsets[earlier]..<offsets[earlier + 1]])
                            ) { $0.elementsEqual(key) }
                        }
                        return try input.withUTF8(column: "order_id", row: other) { earlierBytes in
                            CleanStage.withTrimmed(earlierBytes) { $0.elementsEqual(key) }
                        }
                    }
                }
                let lookahead = 16
                do throws(PipelineError) {
                    for position in candidates.indices {
                        if position + lookahead < hashes.count { seen.prefetch(hashes[position + lookahead]) }
                        let row = candidates[position]
                        let isNew = try seen.insert(hash: hashes[position], row: sliceStart + row) {
                            other throws(PipelineError) in try trimmedEquals(row, other)
                        }
                        if !isNew {
                            isRepeat[position] = true
                            duplicateOrders += 1
                        }
                    }
                } catch {
                    return error
                }
                return nil
            }
            if let failure { throw failure }

            // Pass 3: the kept rows' new column values.
            let keptCount = candidates.count - isRepeat.lazy.filter { $0 }.count
            var keep: [Int] = []
            keep.reserveCapacity(keptCount)
            var convertedAmounts: [Double] = []
            convertedAmounts.reserveCapacity(keptCount)
            var statusColumn: [Int32] = []
            var customerColumn: [Int32] = []
            var currencyColumn: [Int32] = []
            statusColumn.reserveCapacity(keptCount)
            customerColumn.reserveCapacity(keptCount)
            currencyColumn.reserveCapacity(keptCount)
            let placeholderCode = self.customers.placeholderCode ?? -1
            for (position, row) in candidates.enumerated() where !isRepeat[position] {
                let currency = currencyOf[Int(currencyOfRow[row])]
                keep.append(row)
                convertedAmounts.append(amounts[row] * (currency.rate ?? .nan))
                statusColumn.append(statusOf[Int(statusOfRow[row])]?.ordinal ?? -1)
                let customer = customerOfRow[row]
                if customer < 0 { orphans += 1 }
                customerColumn.append(customer < 0 ? placeholderCode : customer)
                currencyColumn.append(currency.ordinal)
            }
            self.sliceStart += rowCount
            return try CleanStage.gathered(
                table, rows: keep,
                replacing: [
                    "category": categories.gathered(try table.requireColumn("category"), rows: keep),
                    "amount": Column(name: "amount", values: .float64(convertedAmounts)),
                    "status": Column(
                        name: "status",
                        values: .dictionary(DictionaryColumn(codes: statusColumn, dictionary: statusCodes.strings))),
                    "customer_id": Column(
                        name: "customer_id",
                        values: .dictionary(
                            DictionaryColumn(
                                codes: customerColumn, dictionary: self.customers.dictionary(orphans: orphans > 0)))),
                    "currency": Column(
                        name: "currency",
                        values: .dictionary(
                            DictionaryColumn(codes: currencyColumn, dictionary: currencyCodes.strings))),
                ])
        }
    }

    /// The raw text of column `name` of a slice as a code per row and the values coded, each distinct value once (a
    /// plain column is coded here; a dictionary-encoded one, as extract writes them, comes coded), a null row coded
    /// as the empty string, which is what a plain column holds there.
    static func rawCodes(_ table: Table, _ name: String) throws(PipelineError) -> (
        codes: [Int32], values: StringColumn
    ) {
        let coded = try table.coded(name)
        guard coded.codes.contains(-1) else { return (coded.codes, coded.dictionary) }
        var values = coded.dictionary
        let empty = Int32(values.count)
        values.append("")
        return (coded.codes.map { $0 < 0 ? empty : $0 }, values)
    }

    /// The reject reason of an order or email event whose customer is not in the clean customers.
    static func unknownCustomerReason(_ customer: String) -> String {
        "unknown customer: no customer \"\(customer)\" in the customers source"
    }

    /// Calls `body` with `bytes` without whitespace at either end.
    @inline(__always)
    static func withTrimmed<R, Failure: Error>(
        _ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> R
    ) throws(Failure) -> R {
        if let trimmed = Normalization.asciiTrimmed(bytes) { return try body(trimmed) }
        var text = Normalization.trimmed(String(decoding: bytes, as: UTF8.self))
        let result = text.withUTF8 { trimmed -> Result<R, Failure> in
            do throws(Failure) { return .success(try body(trimmed)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The rows `rows` of `table`, with the columns in `replacing` (one value per kept row) instead of its own.
    static func gathered(_ table: Table, rows: [Int], replacing: [String: Column]) throws(PipelineError) -> Table {
        do {
            return try Table(columns: table.gathering(rows, replacing: replacing))
        } catch {
            throw PipelineError(.internal, "clean produced an inconsistent table", underlying: error)
        }
    }

    /// The clean customers' ids as the dictionary of the `customer_id` column of orders and email events: each
    /// row's code is its customer's row in the clean customers (the placeholder customer, when one is configured and
    /// not a source customer, is coded as the row after the last, where it is appended when an orphan is kept).
    struct CustomerCoding: Sendable {
        /// The clean customer ids (their ordinals are their rows).
        let ids: FrozenInterner
        /// The ids in row order; then the same followed by the placeholder's id when it is not one of them.
        private let rowIDs: StringColumn
        private let withPlaceholder: StringColumn
        /// The code of the placeholder customer, nil without one.
        let placeholderCode: Int32?

        init(_ ids: FrozenInterner, placeholder: String?) {
            self.ids = ids
            rowIDs = ids.interner.strings
            var withPlaceholder = rowIDs
            if let placeholder {
                if let ordinal = ids.interner.ordinal(of: placeholder) {
                    placeholderCode = Int32(ordinal)
                } else {
                    placeholderCode = Int32(rowIDs.count)
                    withPlaceholder.append(placeholder)
                }
            } else {
                placeholderCode = nil
            }
            self.withPlaceholder = withPlaceholder
        }

        /// The dictionary of a table's slices: the clean ids, with the placeholder's added once an orphan has been
        /// kept under it (which extends it), so a table without orphans is coded over exactly the customers' ids.
        func dictionary(orphans: Bool) -> StringColumn {
            orphans ? withPlaceholder : rowIDs
        }
    }

    // MARK: - Email events

    /// Clean email events, their rejects and the orphans kept under the placeholder.
    struct CleanedEvents: Sendable {
        var rows: TableSink.Finished
        var rejects: [Reject]
        var orphans: Int64
    }

    /// Checks every email event against the customer ids and the known event types (on the column bytes, each
    /// distinct raw type mapped once per slice), a slice of record batches at a time, and puts the kept rows into
    /// the `email_events` table of the checkpoint (or of the output).
    private func cleanEvents(
        _ input: InputBatches, customers: CustomerCoding, output: CheckpointOutput?
    ) throws(PipelineError) -> CleanedEvents {
        let file = context.configuration.sources.emailEvents?.displayName ?? "email_events"
        var rejects: [Reject] = []
        var orphans: Int64 = 0
        var ticker = RowTicker(context)
        let typeCodes = StringInterner(capacity: 8)
        let campaigns = RepeatedTextCoder("campaign_id")
        let rows = try TableSink.stream(input, rows: sliceRows, into: "email_events", output: output) {
            slice throws(PipelineError) in
            let kept = try Self.cleanEvents(
                slice, file: file, customers: customers, typeCodes: typeCodes, campaigns: campaigns, ticker: &ticker,
                rejects: &rejects, orphans: &orphans)
            try context.checkCancellation()
            return kept
        }
        ticker.finish()
        return CleanedEvents(rows: rows, rejects: rejects, orphans: orphans)
    }

    /// The kept rows of one slice of email events; `typeCodes` holds the known event types met so far (the
    /// dictionary of the `event_type` column, extended by each slice).
    private static func cleanEvents(
        _ table: Table, file: String, customers coding: CustomerCoding, typeCodes: StringInterner,
        campaigns: RepeatedTextCoder, ticker: inout RowTicker, rejects: inout [Reject], orphans: inout Int64
    ) throws(PipelineError) -> Table {
        let rowCount = table.rowCount
        guard rowCount > 0 else { return table }
        let customers = try table.strings("customer_id")
        let lines = try table.int64s(CanonicalSchema.lineColumn)
        let known: Set<String> = ["sent", "open", "click", "unsubscribe", "bounce"]
        let (typeOfRow, rawTypes) = try rawCodes(table, "event_type")
        let typeOf: [Int32?] = (0..<rawTypes.count).map { ordinal in
            let type = Normalization.trimmed(rawTypes[ordinal]).lowercased()
            return known.contains(type) ? Int32(typeCodes.insert(type).ordinal) : nil
        }
        var keep: [Int] = []
        keep.reserveCapacity(rowCount)
        var typeColumn: [Int32] = []
        typeColumn.reserveCapacity(rowCount)
        var customerColumn: [Int32] = []
        customerColumn.reserveCapacity(rowCount)
        let customerIDs = coding.ids
        let placeholderCode = coding.placeholderCode
        var cancelled = false
        customers.withUnsafeStorage { customerOffsets, customerBytes in
            for row in 0..<rowCount {
                if ticker.tick() {
                    cancelled = true
                    break
                }
                if row + StringInterner.lookahead < rowCount {
                    customerIDs.prefetchTrimmed(row + StringInterner.lookahead, customerOffsets, customerBytes)
                }
                let known = customerIDs.ordinalTrimmed(row, of: customers, customerOffsets, customerBytes)
                if known == nil, placeholderCode == nil {
                    let customer = Normalization.trimmed(customers[row])
                    rejects.append(
                        Reject(
                            stage: "clean", table: "email_events", file: file, line: lines[row], field: "customer_id",
                            reason: unknownCustomerReason(customer),
                            raw: customer))
                    continue
                }
                guard let type = typeOf[Int(typeOfRow[row])] else {
                    let raw = rawTypes[Int(typeOfRow[row])]
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
                if known == nil { orphans += 1 }
                customerColumn.append(known.map { Int32($0) } ?? placeholderCode ?? -1)
            }
        }
        if cancelled { throw PipelineError(.cancelled, "cancelled by signal") }
        return try gathered(
            table, rows: keep,
            replacing: [
                "campaign_id": campaigns.gathered(try table.requireColumn("campaign_id"), rows: keep),
                "event_type": Column(
                    name: "event_type",
                    values: .dictionary(DictionaryColumn(codes: typeColumn, dictionary: typeCodes.strings))),
                "customer_id": Column(
                    name: "customer_id",
                    values: .dictionary(
                        DictionaryColumn(codes: customerColumn, dictionary: coding.dictionary(orphans: orphans > 0)))),
            ])
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
