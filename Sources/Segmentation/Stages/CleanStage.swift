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
        var (customers, customerMetrics) = try cleanCustomers(rawCustomers, rejects: &rejects)
        let cleanIDs = try customers.strings("customer_id")
        let customerIDs = Set((0..<cleanIDs.count).map { cleanIDs[$0] })
        let rawOrders = try inputs.table("orders", of: .extract)
        let placeholder = context.configuration.clean.placeholderCustomer
        var orphans: Int64 = 0
        let (orders, orderMetrics) = try cleanOrders(
            rawOrders, customerIDs: customerIDs, placeholder: placeholder, orphans: &orphans, rejects: &rejects)
        let rawEvents = try inputs.table("email_events", of: .extract)
        let events = try cleanEvents(
            rawEvents, customerIDs: customerIDs, placeholder: placeholder, orphans: &orphans, rejects: &rejects)
        if let placeholder, orphans > 0, !customerIDs.contains(placeholder) {
            customers = try appendingPlaceholder(placeholder, to: customers)
        }
        metrics["orphans_kept_under_placeholder"] = .int(orphans)
        metrics.merge(customerMetrics) { $1 }
        metrics.merge(orderMetrics) { $1 }

        var qualityFailure: String?
        var rates: [String: JSONValue] = [:]
        for (name, raw, clean) in [
            ("customers", rawCustomers, customers), ("orders", rawOrders, orders), ("email_events", rawEvents, events),
        ] {
            let extractRejected = extractRejects.lazy.filter { $0.table == name }.count
            let read = raw.rowCount + extractRejected
            let rejected = extractRejected + rejects.lazy.filter { $0.table == name }.count
            let rate = read == 0 ? 0 : Double(rejected) / Double(read)
            rates[name] = .double(rate)
            metrics["rows_in.\(name)"] = .int(Int64(raw.rowCount))
            metrics["rows_out.\(name)"] = .int(Int64(clean.rowCount))
            if rate > context.configuration.clean.maxRejectRate, qualityFailure == nil {
                qualityFailure =
                    "\(name): \(rejected) of \(read) rows rejected (\(percent(rate))), above clean.max_reject_rate "
                    + "\(percent(context.configuration.clean.maxRejectRate)); see the rejects table for reasons"
            }
        }
        metrics["reject_rate"] = .object(rates)
        metrics["rows_rejected"] = .int(Int64(rejects.count))
        metrics["rejects_by_reason"] = RejectTable.countsByReason(rejects)
        return StageOutput(
            tables: [
                ("customers", customers), ("orders", orders), ("email_events", events),
                ("rejects", RejectTable.make(rejects)),
            ],
            metrics: metrics, qualityFailure: qualityFailure)
    }

    private func percent(_ rate: Double) -> String {
        let value = (rate * 1000).rounded() / 10
        return "\(value)%"
    }

    // MARK: - Customers

    private func cleanCustomers(_ table: Table, rejects: inout [Reject]) throws(PipelineError) -> (
        Table, [String: JSONValue]
    ) {
        let settings = context.configuration.clean
        let file = context.configuration.sources.customers.displayName
        let ids = try table.strings("customer_id")
        let lines = try table.int64s(CanonicalSchema.lineColumn)
        let defaultRegion = PhoneRegion.region(code: settings.defaultRegion) ?? .germany
        func text(_ name: String) throws(PipelineError) -> (StringColumn, [Bool]?) {
            (try table.strings(name), try table.validity(name))
        }
        let email = try text("email")
        let firstName = try text("first_name")
        let lastName = try text("last_name")
        let phone = try text("phone")
        let city = try text("city")
        let postalCode = try text("postal_code")
        let country = try text("country")
        let channel = try text("acquisition_channel")
        let birthDates = try table.dates("birth_date")
        let birthValid = try table.validity("birth_date")
        let policies = try missingValuePolicies(for: "customers")

        var keep: [Int] = []
        keep.reserveCapacity(table.rowCount)
        var firstLine: [String: Int64] = [:]
        let capacity = table.rowCount
        var builders = [
            "customer_id", "email", "first_name", "last_name", "phone", "city", "postal_code", "country",
            "acquisition_channel",
        ].reduce(into: [String: ColumnBuilder]()) { $0[$1] = ColumnBuilder(name: $1, type: .utf8, capacity: capacity) }
        var birth = ColumnBuilder(name: "birth_date", type: .date32, capacity: capacity)
        var counts: [String: Int64] = [
            "emails_invalid": 0, "phones_invalid": 0, "postal_codes_invalid": 0, "birth_dates_implausible": 0,
        ]
        rows: for row in 0..<table.rowCount {
            func value(_ column: (StringColumn, [Bool]?)) -> String? {
                guard column.1?[row] ?? true else { return nil }
                let collapsed = TextNormalizer.collapsed(column.0[row])
                return collapsed.isEmpty ? nil : collapsed
            }
            func reject(_ field: String, _ reason: String, _ raw: String) {
                rejects.append(
                    Reject(
                        stage: "clean", table: "customers", file: file, line: lines[row], field: field, reason: reason,
                        raw: raw))
            }
            let id = Normalization.trimmed(ids[row])
            if id.isEmpty {
                reject("customer_id", "missing customer_id", ids[row])
                continue
            }
            if let first = firstLine[id] {
                reject("customer_id", "duplicate customer_id: first seen on line \(first)", id)
                continue
            }
            let countryCode = value(country).flatMap(Normalization.country)
            var values: [String: String?] = [
                "customer_id": id,
                "first_name": value(firstName).map { NameNormalizer.properCase($0) ?? $0 },
                "last_name": value(lastName).map { NameNormalizer.properCase($0) ?? $0 },
                "city": value(city), "country": countryCode, "acquisition_channel": value(channel),
            ]
            if let raw = value(email) {
                let normalised = Normalization.email(raw)
                if normalised == nil { counts["emails_invalid", default: 0] += 1 }
                values["email"] = normalised
            } else {
                values["email"] = String?.none
            }
            if let raw = value(phone) {
                let region = countryCode.flatMap { PhoneRegion.region(code: $0) } ?? defaultRegion
                let normalised = PhoneNormalizer.e164(raw, defaultRegion: region)
                if normalised == nil { counts["phones_invalid", default: 0] += 1 }
                values["phone"] = normalised
            } else {
                values["phone"] = String?.none
            }
            if let raw = value(postalCode) {
                let normalised = countryCode.map { PostalCodeNormalizer.normalized(raw, country: $0) } ?? raw
                if normalised == nil { counts["postal_codes_invalid", default: 0] += 1 }
                values["postal_code"] = normalised
            } else {
                values["postal_code"] = String?.none
            }
            var birthDate: Int32? = (birthValid?[row] ?? true) ? birthDates[row] : nil
            if let date = birthDate, !BirthDatePlausibility.isPlausible(birth: date, asOf: context.asOf) {
                counts["birth_dates_implausible", default: 0] += 1
                birthDate = nil
            }
            // Missing-value policies: reject the row or fill a default; the default is to keep the null.
            for (field, policy) in policies where (values[field] ?? nil) == nil {
                switch policy {
                case .reject:
                    reject(field, "missing \(field): clean.missing_values says reject", "")
                    continue rows
                case .fill(let replacement):
                    values[field] = replacement
                case .keep:
                    break
                }
            }
            firstLine[id] = lines[row]
            keep.append(row)
            for (name, fieldValue) in values { builders[name]?.append(fieldValue) }
            birth.append(date: birthDate)
        }
        var columns = table.gathering(keep).columns
        for index in columns.indices {
            if let builder = builders[columns[index].name] {
                columns[index] = builder.build()
            } else if columns[index].name == "birth_date" {
                columns[index] = birth.build()
            }
        }
        let cleaned = try makeTable(columns)
        return (cleaned, counts.mapValues { .int($0) })
    }

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
            case let text where text.hasPrefix("default:"): policies.append((parts[1], .fill(String(text.dropFirst(8)))))
            default:
                throw PipelineError(
                    .configuration, "clean.missing_values.\(key): unknown policy \"\(rule)\" (expected keep, reject or default:VALUE)")
            }
        }
        return policies
    }

    // MARK: - Orders

    private func cleanOrders(
        _ table: Table, customerIDs: Set<String>, placeholder: String?, orphans: inout Int64, rejects: inout [Reject]
    ) throws(PipelineError)
        -> (Table, [String: JSONValue])
    {
        let settings = context.configuration.clean
        let file = context.configuration.sources.orders.displayName
        let orderIDs = try table.strings("order_id")
        let customers = try table.strings("customer_id")
        let dates = try table.dates("order_date")
        let amounts = try table.doubles("amount")
        let currencies = try table.strings("currency")
        let statuses = try table.strings("status")
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

        var keep: [Int] = []
        keep.reserveCapacity(table.rowCount)
        var seenOrders = Set<String>()
        seenOrders.reserveCapacity(table.rowCount)
        var duplicateOrders: Int64 = 0
        var convertedAmounts: [Double] = []
        convertedAmounts.reserveCapacity(table.rowCount)
        var canonicalStatus = StringColumn(capacity: table.rowCount)
        var customerColumn = StringColumn(capacity: table.rowCount)
        var currencyColumn = StringColumn(capacity: table.rowCount)
        for row in 0..<table.rowCount {
            func reject(_ field: String, _ reason: String, _ raw: String) {
                rejects.append(
                    Reject(
                        stage: "clean", table: "orders", file: file, line: lines[row], field: field, reason: reason,
                        raw: raw))
            }
            var customer = Normalization.trimmed(customers[row])
            if !customerIDs.contains(customer) {
                guard let placeholder else {
                    reject("customer_id", "unknown customer: no customer \"\(customer)\" in the customers source", customer)
                    continue
                }
                customer = placeholder
                orphans += 1
            }
            guard dates[row] <= context.asOf else {
                reject(
                    "order_date",
                    "order date after as_of: \(CalendarDate.isoString(dates[row])) is after \(CalendarDate.isoString(context.asOf))",
                    CalendarDate.isoString(dates[row]))
                continue
            }
            let rawCurrency = Normalization.trimmed(currencies[row]).uppercased()
            let currency = rawCurrency.isEmpty ? defaultCurrency : rawCurrency
            guard let rate = rates[currency] else {
                reject(
                    "currency", "unknown currency: \"\(currency)\" has no rate in clean.currency_rates", currencies[row]
                )
                continue
            }
            guard let status = statusMap[Normalization.trimmed(statuses[row]).lowercased()] else {
                reject(
                    "status", "unknown status: \"\(statuses[row])\" is not mapped in clean.order_status", statuses[row])
                continue
            }
            if status == "completed", amounts[row] < 0 {
                reject("amount", "negative amount on a completed order: \(amounts[row])", String(amounts[row]))
                continue
            }
            let orderID = Normalization.trimmed(orderIDs[row])
            guard seenOrders.insert(orderID).inserted else {
                duplicateOrders += 1
                continue
            }
            keep.append(row)
            convertedAmounts.append(amounts[row] * rate)
            canonicalStatus.append(status)
            customerColumn.append(customer)
            currencyColumn.append(currency)
        }
        var columns = table.gathering(keep).columns
        for index in columns.indices {
            switch columns[index].name {
            case "amount": columns[index] = Column(name: "amount", values: .float64(convertedAmounts))
            case "status": columns[index] = Column(name: "status", values: .utf8(canonicalStatus))
            case "customer_id": columns[index] = Column(name: "customer_id", values: .utf8(customerColumn))
            case "currency": columns[index] = Column(name: "currency", values: .utf8(currencyColumn))
            default: break
            }
        }
        return (try makeTable(columns), ["duplicate_orders_dropped": .int(duplicateOrders)])
    }

    // MARK: - Email events

    private func cleanEvents(
        _ table: Table, customerIDs: Set<String>, placeholder: String?, orphans: inout Int64, rejects: inout [Reject]
    ) throws(PipelineError) -> Table {
        guard table.rowCount > 0 else { return table }
        let file = context.configuration.sources.emailEvents?.displayName ?? "email_events"
        let customers = try table.strings("customer_id")
        let types = try table.strings("event_type")
        let lines = try table.int64s(CanonicalSchema.lineColumn)
        let known: Set<String> = ["sent", "open", "click", "unsubscribe", "bounce"]
        var keep: [Int] = []
        keep.reserveCapacity(table.rowCount)
        var typeColumn = StringColumn(capacity: table.rowCount)
        var customerColumn = StringColumn(capacity: table.rowCount)
        for row in 0..<table.rowCount {
            var customer = Normalization.trimmed(customers[row])
            if !customerIDs.contains(customer), let placeholder {
                customer = placeholder
                orphans += 1
            }
            guard customerIDs.contains(customer) || customer == placeholder else {
                rejects.append(
                    Reject(
                        stage: "clean", table: "email_events", file: file, line: lines[row], field: "customer_id",
                        reason: "unknown customer: no customer \"\(customer)\" in the customers source", raw: customer))
                continue
            }
            let type = Normalization.trimmed(types[row]).lowercased()
            guard known.contains(type) else {
                rejects.append(
                    Reject(
                        stage: "clean", table: "email_events", file: file, line: lines[row], field: "event_type",
                        reason:
                            "unknown event type: \"\(types[row])\" (expected sent, open, click, unsubscribe or bounce)",
                        raw: types[row]))
                continue
            }
            keep.append(row)
            typeColumn.append(type)
            customerColumn.append(customer)
        }
        var columns = table.gathering(keep).columns
        for index in columns.indices {
            switch columns[index].name {
            case "event_type": columns[index] = Column(name: "event_type", values: .utf8(typeColumn))
            case "customer_id": columns[index] = Column(name: "customer_id", values: .utf8(customerColumn))
            default: break
            }
        }
        return try makeTable(columns)
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

    private func makeTable(_ columns: [Column]) throws(PipelineError) -> Table {
        do {
            return try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "clean produced an inconsistent table", underlying: error)
        }
    }
}
