import Columnar

extension CleanStage {
    /// The text fields of a customer that clean normalises, in output order.
    static let customerTextFields = [
        "email", "first_name", "last_name", "phone", "city", "postal_code", "country", "acquisition_channel",
    ]

    /// Cleans the customers: ids trimmed and deduplicated (first occurrence kept), every text field normalised,
    /// implausible birth dates nulled, missing-value policies applied.
    ///
    /// Two passes. The normalisation of each row depends on that row alone, so it runs on two cores over halves
    /// of the table, with per-half memo tables for the fields that repeat (names, cities, countries, channels,
    /// postal codes). The id checks depend on the rows before, so a second, sequential pass decides which rows
    /// are kept, in row order, exactly as one pass would. Returns the kept rows, the quality counts and the kept ids
    /// interned in row order (the ordinal of an id is its row), which the orders and events are checked against.
    func cleanCustomers(_ table: Table, rejects: inout [Reject]) throws(PipelineError) -> (
        table: Table, metrics: [String: JSONValue], ids: StringInterner
    ) {
        let file = context.configuration.sources.customers.displayName
        let ids = try table.strings("customer_id")
        let lines = try table.int64s(CanonicalSchema.lineColumn)
        let policies = try missingValuePolicies(for: "customers")
        let input = try CustomerColumns(table)
        let rowCount = table.rowCount
        let half = rowCount / 2
        let settings = context.configuration.clean
        let asOf = context.asOf
        let ticker = RowTicker(context)
        let (front, back) = try concurrently(
            { () throws(PipelineError) in
                NormalizedCustomers(
                    input, rows: 0..<half, settings: settings, asOf: asOf, policies: policies, ticker: ticker)
            },
            { () throws(PipelineError) in
                NormalizedCustomers(
                    input, rows: half..<rowCount, settings: settings, asOf: asOf, policies: policies, ticker: ticker)
            })
        try context.checkCancellation()
        let flags = front.flags + back.flags
        let rejectingPolicy = front.rejectingPolicy + back.rejectingPolicy

        // The id pass, on the id bytes: one probe of the table per row (an id is inserted unless it repeats).
        var keep: [Int] = []
        keep.reserveCapacity(rowCount)
        let seen = StringInterner(capacity: rowCount)
        var firstLine: [Int64] = []
        firstLine.reserveCapacity(rowCount)
        var counts = NormalizedCustomers.Flags()
        ids.withUnsafeStorage { offsets, bytes in
            for row in 0..<rowCount {
                if row + StringInterner.lookahead < rowCount {
                    seen.prefetchTrimmed(row + StringInterner.lookahead, offsets, bytes)
                }
                func reject(_ field: String, _ reason: String, _ raw: String) {
                    rejects.append(
                        Reject(
                            stage: "clean", table: "customers", file: file, line: lines[row], field: field,
                            reason: reason, raw: raw))
                }
                CleanStage.withTrimmed(UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]])) {
                    trimmed in
                    if trimmed.isEmpty {
                        reject("customer_id", "missing customer_id", ids[row])
                        return
                    }
                    func duplicate(of first: Int) {
                        reject(
                            "customer_id", "duplicate customer_id: first seen on line \(firstLine[first])",
                            String(decoding: trimmed, as: UTF8.self))
                    }
                    // A row a missing-value policy rejects is not inserted: a later row with its id is kept.
                    if let (field, reason) = NormalizedCustomers.policyRejection(
                        Int(rejectingPolicy[row]), policies: policies)
                    {
                        if let first = seen.ordinal(of: trimmed) {
                            duplicate(of: first)
                        } else {
                            counts.add(flags[row])
                            reject(field, reason, "")
                        }
                        return
                    }
                    let (ordinal, inserted) = seen.insert(trimmed)
                    guard inserted else {
                        duplicate(of: ordinal)
                        return
                    }
                    counts.add(flags[row])
                    firstLine.append(lines[row])
                    keep.append(row)
                }
            }
        }
        // The kept rows of every column, a column per core at a time: the normalised ones joined from both halves,
        // the ids as the id pass interned them (trimmed, in row order).
        let keptIDs = Column(name: "customer_id", values: .utf8(seen.strings))
        let kept = keep
        let columns = try concurrentMap(table.columns) { column throws(PipelineError) -> Column in
            if column.name == "customer_id" { return keptIDs }
            guard let first = front.columns[column.name], let second = back.columns[column.name] else {
                return column.gathering(kept)
            }
            return Column.concatenating(first, second).gathering(kept)
        }
        return (try makeTable(columns), counts.metrics, seen)
    }
}

/// The input columns of the customers table that clean reads.
struct CustomerColumns: Sendable {
    var text: [String: (values: StringColumn, validity: [Bool]?)] = [:]
    var birthDates: [Int32]
    var birthValid: [Bool]?

    init(_ table: Table) throws(PipelineError) {
        for name in CleanStage.customerTextFields {
            text[name] = (try table.strings(name), try table.validity(name))
        }
        birthDates = try table.dates("birth_date")
        birthValid = try table.validity("birth_date")
    }
}

/// The normalised text fields and birth dates of a range of customer rows, one entry per row (rejected or not),
/// with what the missing-value policies and the quality counters need.
struct NormalizedCustomers: Sendable {
    /// Per-row quality findings, counted only for rows that pass the id checks.
    struct Flags: Sendable {
        var emailInvalid = 0
        var phoneInvalid = 0
        var postalCodeInvalid = 0
        var birthDateImplausible = 0

        mutating func add(_ row: UInt8) {
            emailInvalid += Int(row & 1)
            phoneInvalid += Int((row >> 1) & 1)
            postalCodeInvalid += Int((row >> 2) & 1)
            birthDateImplausible += Int((row >> 3) & 1)
        }

        var metrics: [String: JSONValue] {
            [
                "emails_invalid": .int(Int64(emailInvalid)), "phones_invalid": .int(Int64(phoneInvalid)),
                "postal_codes_invalid": .int(Int64(postalCodeInvalid)),
                "birth_dates_implausible": .int(Int64(birthDateImplausible)),
            ]
        }
    }

    /// Normalised columns by name (the text fields and `birth_date`), policies' fills applied.
    var columns: [String: Column]
    /// Bit 0 email invalid, 1 phone invalid, 2 postal code invalid, 3 birth date implausible.
    var flags: [UInt8]
    /// For each row, the index into the policies of the first `reject` policy whose field is missing, or -1.
    var rejectingPolicy: [Int16]

    init(
        _ input: CustomerColumns, rows: Range<Int>, settings: PipelineConfiguration.Clean, asOf: Int32,
        policies: [(String, CleanStage.MissingValuePolicy)], ticker: RowTicker
    ) {
        var ticker = ticker
        let capacity = rows.count
        var outputs = CleanStage.customerTextFields.map { _ in TextOutput(capacity: capacity) }
        var birth = ColumnBuilder(name: "birth_date", type: .date32, capacity: capacity)
        flags = []
        flags.reserveCapacity(capacity)
        rejectingPolicy = []
        rejectingPolicy.reserveCapacity(capacity)
        let defaultRegion = PhoneRegion.region(code: settings.defaultRegion) ?? .germany
        let fieldIndex = Dictionary(uniqueKeysWithValues: CleanStage.customerTextFields.enumerated().map { ($1, $0) })
        // Each field's column and memo in a constant of its own: read in place for every row, where taking it out
        // of an array would retain and release its buffers each time.
        let columnsInOrder = CleanStage.customerTextFields.map { input.text[$0] }
        let (email, first, last, phone) = (columnsInOrder[0], columnsInOrder[1], columnsInOrder[2], columnsInOrder[3])
        let (city, postal, country, channel) = (
            columnsInOrder[4], columnsInOrder[5], columnsInOrder[6], columnsInOrder[7]
        )
        // Memo tables for fields that repeat across customers (the normalisers are pure functions). Names, city,
        // country and channel are looked up by the bytes of the raw value, so a repeat costs no string.
        let (firstMemo, lastMemo, cityMemo, countryMemo, channelMemo) = (
            FieldMemo(), FieldMemo(), FieldMemo(), FieldMemo(), FieldMemo()
        )
        var collapsedMemo: [String: String] = [:]
        var postalMemo: [PostalKey: String?] = [:]
        var values = [String?](repeating: nil, count: CleanStage.customerTextFields.count)

        for row in rows {
            // A cancelled run stops here; the caller checks and throws.
            if ticker.tick() { break }
            /// The normalised value of `field`: `normalise` of the collapsed raw value, nil when that is empty.
            func memoized(
                _ column: (values: StringColumn, validity: [Bool]?)?, _ memo: FieldMemo,
                _ normalise: (String) -> String?
            ) -> String? {
                guard let column, column.validity?[row] ?? true else { return nil }
                return column.values.withUTF8(at: row) { bytes in
                    memo.value(of: bytes) { raw in
                        let collapsed = TextNormalizer.collapsed(raw)
                        return collapsed.isEmpty ? nil : normalise(collapsed)
                    }
                }
            }
            func value(_ column: (values: StringColumn, validity: [Bool]?)?) -> String? {
                guard let column, column.validity?[row] ?? true else { return nil }
                let raw = column.values[row]
                let collapsed: String
                if let known = collapsedMemo[raw] {
                    collapsed = known
                } else {
                    collapsed = TextNormalizer.collapsed(raw)
                    if collapsedMemo.count < 1 << 16 { collapsedMemo[raw] = collapsed }
                }
                return collapsed.isEmpty ? nil : collapsed
            }
            let properCase = { (text: String) -> String? in NameNormalizer.properCase(text) ?? text }
            var rowFlags: UInt8 = 0
            let countryCode = memoized(country, countryMemo, Normalization.country)
            values[0] = nil
            values[1] = memoized(first, firstMemo, properCase)
            values[2] = memoized(last, lastMemo, properCase)
            values[3] = nil
            values[4] = memoized(city, cityMemo) { $0 }
            values[5] = nil
            values[6] = countryCode
            values[7] = memoized(channel, channelMemo) { $0 }
            if let raw = Self.collapsedUncached(email, row) {
                let normalised = Normalization.email(raw)
                if normalised == nil { rowFlags |= 1 }
                values[0] = normalised
            }
            if let raw = Self.collapsedUncached(phone, row) {
                let region = countryCode.flatMap { PhoneRegion.region(code: $0) } ?? defaultRegion
                let normalised = PhoneNormalizer.e164(raw, defaultRegion: region)
                if normalised == nil { rowFlags |= 2 }
                values[3] = normalised
            }
            if let raw = value(postal) {
                let normalised: String?
                if let countryCode {
                    let key = PostalKey(raw: raw, country: countryCode)
                    if let known = postalMemo[key] {
                        normalised = known
                    } else {
                        normalised = PostalCodeNormalizer.normalized(raw, country: countryCode)
                        if postalMemo.count < 1 << 16 { postalMemo[key] = normalised }
                    }
                } else {
                    normalised = raw
                }
                if normalised == nil { rowFlags |= 4 }
                values[5] = normalised
            }
            var birthDate: Int32? = (input.birthValid?[row] ?? true) ? input.birthDates[row] : nil
            if let date = birthDate, !BirthDatePlausibility.isPlausible(birth: date, asOf: asOf) {
                rowFlags |= 8
                birthDate = nil
            }
            // Missing-value policies: the first rejecting one is remembered, fills are applied in order.
            var rejecting: Int16 = -1
            for (position, (field, policy)) in policies.enumerated() {
                let index = fieldIndex[field]
                let isMissing = field == "customer_id" ? false : (index.map { values[$0] == nil } ?? true)
                guard isMissing else { continue }
                switch policy {
                case .reject:
                    if rejecting < 0 { rejecting = Int16(position) }
                case .fill(let replacement):
                    if rejecting < 0, let index { values[index] = replacement }
                case .keep:
                    break
                }
                if rejecting >= 0 { break }
            }
            for index in values.indices { outputs[index].append(values[index]) }
            birth.append(date: birthDate)
            flags.append(rowFlags)
            rejectingPolicy.append(rejecting)
        }
        ticker.finish()
        var columns: [String: Column] = [:]
        for (name, output) in zip(CleanStage.customerTextFields, outputs) {
            columns[name] = Column(name: name, values: .utf8(output.strings), validity: output.validity)
        }
        columns["birth_date"] = birth.build()
        self.columns = columns
    }

    /// The collapsed value of a field that rarely repeats (emails, phones), without a memo table.
    private static func collapsedUncached(_ column: (values: StringColumn, validity: [Bool]?)?, _ row: Int) -> String? {
        guard let column, column.validity?[row] ?? true else { return nil }
        let collapsed = TextNormalizer.collapsed(column.values[row])
        return collapsed.isEmpty ? nil : collapsed
    }

    /// The field and reason when a missing-value policy rejects a row, from its entry of ``rejectingPolicy``.
    static func policyRejection(_ position: Int, policies: [(String, CleanStage.MissingValuePolicy)]) -> (
        String, String
    )? {
        guard position >= 0 else { return nil }
        let field = policies[position].0
        return (field, "missing \(field): clean.missing_values says reject")
    }

    /// One normalised text column as it is built: validity only once a null is appended.
    private struct TextOutput {
        var strings: StringColumn
        var validity: [Bool]?

        init(capacity: Int) {
            strings = StringColumn(capacity: capacity, byteCapacity: capacity * 8)
        }

        mutating func append(_ value: String?) {
            if let value {
                strings.append(value)
                validity?.append(true)
            } else {
                if validity == nil { validity = Array(repeating: true, count: strings.count) }
                strings.appendEmpty()
                validity?.append(false)
            }
        }
    }

    private struct PostalKey: Hashable {
        var raw: String
        var country: String
    }

    /// The normalised value of each distinct raw value of one field, by the raw value's bytes; at most 2^16 are
    /// remembered, later ones are normalised every time.
    private final class FieldMemo {
        private let seen = StringInterner(capacity: 1 << 10)
        private var results: [String?] = []

        func value(of bytes: UnsafeBufferPointer<UInt8>, _ normalise: (String) -> String?) -> String? {
            if let ordinal = seen.ordinal(of: bytes) { return results[ordinal] }
            let result = normalise(String(decoding: bytes, as: UTF8.self))
            if results.count < 1 << 16 {
                let (ordinal, _) = seen.insert(bytes)
                precondition(ordinal == results.count, "interner ordinals are dense")
                results.append(result)
            }
            return result
        }
    }
}
