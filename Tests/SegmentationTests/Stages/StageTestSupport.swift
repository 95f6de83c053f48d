import Columnar
import Logging

@testable import Segmentation

/// Builders for small hand-made stage inputs.
enum StageFixtures {
    static let asOf = CalendarDate.days(year: 2026, month: 1, day: 31)

    static func context(k: Int = 2) -> StageContext {
        var configuration = PipelineConfiguration(
            name: "test",
            sources: .init(
                customers: .init(path: "customers.csv"), orders: .init(path: "orders.csv"),
                emailEvents: .init(path: "email_events.csv", required: false)))
        configuration.segment.k = k
        configuration.segment.restarts = 2
        configuration.clean.currencyRates = ["EUR": 1.0, "CHF": 2.0]
        return StageContext(
            configuration: configuration, runID: "test-run", asOf: asOf, dataDirectory: ".", databaseURL: nil,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// A context over `customers` generated customers (with `seed`, as of 2026-11-01) written into `folder`:
    /// lenient cleaning (every rejected row allowed) and the generator's currencies.
    static func generatedContext(customers: Int, seed: UInt64, in folder: String) throws -> StageContext {
        let asOf = CalendarDate.days(year: 2026, month: 11, day: 1)
        _ = try SyntheticDataGenerator(customers: customers, seed: seed, asOf: asOf).write(to: folder)
        var context = Self.context()
        context.dataDirectory = folder
        context.asOf = asOf
        context.configuration.clean.maxRejectRate = 1
        context.configuration.clean.currencyRates = ["EUR": 1.0, "CHF": 2.0, "USD": 0.5]
        return context
    }

    /// The extract stage's tables for `context`, as inputs of the next stage.
    static func extractedInputs(_ context: StageContext) throws -> StageInputs {
        var inputs = StageInputs()
        inputs.set(try ExtractStage(context: context).run(), of: .extract)
        return inputs
    }

    /// The generated data of `context` through extract, clean and dedupe: the features stage's inputs.
    static func dedupedInputs(_ context: StageContext) throws -> StageInputs {
        var inputs = try extractedInputs(context)
        inputs.set(try CleanStage(context: context).run(inputs), of: .clean)
        inputs.set(try DedupeStage(context: context).run(inputs), of: .dedupe)
        return inputs
    }

    /// Inputs holding `customers`, `orders` and `email_events` as tables of `stage`.
    static func inputs(customers: Table, orders: Table, events: Table, of stage: StageName) -> StageInputs {
        var inputs = StageInputs()
        inputs.set(customers, named: "customers", of: stage)
        inputs.set(orders, named: "orders", of: stage)
        inputs.set(events, named: "email_events", of: stage)
        return inputs
    }

    /// `table` as a checkpoint file of `stage` in `folder`, cut into record batches of `batchRows` rows and opened
    /// the way the runner hands a stage the tables it streams through.
    static func streamed(
        _ table: Table, named name: String, of stage: StageName, batchRows: Int, in folder: String
    ) throws -> InputBatches {
        let written = try ArrowFileWriter(batchRowCount: batchRows).write(table, to: "\(folder)/\(stage)-\(name).arrow")
        var manifest = StageManifest(
            stage: stage, runID: "streamed", asOf: "2026-01-31", startedAt: "2026-01-31T00:00:00Z", configDigest: "",
            inputDigest: "", inputs: [:])
        manifest.files = [
            .init(
                table: name, name: "\(stage)-\(name).arrow", rows: table.rowCount, bytes: written.byteCount,
                checksum: written.checksum)
        ]
        return InputBatches(try ArrowFileReader(path: written.path, expectedChecksum: written.checksum), of: manifest)
    }

    static func date(_ year: Int, _ month: Int, _ day: Int) -> Int32 {
        CalendarDate.days(year: year, month: month, day: day)
    }

    /// `table` with the text columns `names` dictionary-encoded, as extract writes its checkpoint (a null row coded
    /// -1).
    static func dictionaryEncoded(_ table: Table, _ names: Set<String>) throws -> Table {
        try Table(
            columns: table.columns.map { column in
                guard names.contains(column.name), case .utf8(let strings) = column.values else { return column }
                let coded = DictionaryColumn(coding: strings)
                let codes = coded.codes.indices.map { (column.validity?[$0] ?? true) ? coded.codes[$0] : -1 }
                let values = ColumnValues.dictionary(DictionaryColumn(codes: codes, dictionary: coded.dictionary))
                return Column(name: column.name, values: values, validity: column.validity)
            })
    }

    /// `table` with every dictionary-encoded column decoded into plain text (a null row's text empty).
    static func decodingDictionaries(_ table: Table) throws -> Table {
        try Table(
            columns: table.columns.map { column in
                guard case .dictionary = column.values, let strings = column.values.strings else { return column }
                return Column(name: column.name, values: .utf8(strings), validity: column.validity)
            })
    }

    static func text(_ name: String, _ values: [String?]) -> Column {
        var builder = ColumnBuilder(name: name, type: .utf8)
        for value in values { builder.append(value) }
        return builder.build()
    }

    static func dates(_ name: String, _ values: [Int32?]) -> Column {
        var builder = ColumnBuilder(name: name, type: .date32)
        for value in values { builder.append(date: value) }
        return builder.build()
    }

    static func table(_ columns: [Column]) throws -> Table {
        try Table(columns: columns)
    }

    /// Customers in the shape of the clean stage's output.
    static func customers(ids: [String], emails: [String?], signups: [Int32?]) throws -> Table {
        let n = ids.count
        return try table([
            text("customer_id", ids), text("email", emails), text("first_name", ids.map { "First \($0)" }),
            text("last_name", Array(repeating: "Müller", count: n)), text("phone", Array(repeating: nil, count: n)),
            dates("birth_date", Array(repeating: nil, count: n)), text("city", Array(repeating: "Köln", count: n)),
            text("postal_code", Array(repeating: "50667", count: n)), text("country", Array(repeating: "DE", count: n)),
            dates("signup_date", signups), text("acquisition_channel", Array(repeating: "web", count: n)),
            Column(name: CanonicalSchema.lineColumn, values: .int64((0..<n).map { Int64($0 + 2) })),
        ])
    }

    /// Orders in the shape of the clean stage's output.
    static func orders(_ rows: [(id: String, customer: String, date: Int32, amount: Double, status: String)]) throws
        -> Table
    {
        try table([
            text("order_id", rows.map(\.id)), text("customer_id", rows.map(\.customer)),
            Column(name: "order_date", values: .date32(rows.map(\.date))),
            Column(name: "amount", values: .float64(rows.map(\.amount))),
            text("currency", rows.map { _ in "EUR" }), text("category", rows.map { _ in "shoes" }),
            Column(name: "quantity", values: .int64(rows.map { _ in 1 })), text("status", rows.map(\.status)),
            Column(name: CanonicalSchema.lineColumn, values: .int64(rows.indices.map { Int64($0 + 2) })),
        ])
    }

    /// Email events in the shape of the clean stage's output.
    static func events(_ rows: [(customer: String, type: String)]) throws -> Table {
        try table([
            text("customer_id", rows.map(\.customer)), text("campaign_id", rows.map { _ in "c1" }),
            text("event_type", rows.map(\.type)),
            Column(name: "event_time", values: .timestamp(rows.map { _ in 0 })),
            Column(name: CanonicalSchema.lineColumn, values: .int64(rows.indices.map { Int64($0 + 2) })),
        ])
    }
}

extension StageInputs {
    /// Sets every table `output` returned in memory as a table of `stage`.
    mutating func set(_ output: StageOutput, of stage: StageName) {
        for (name, table) in output.tables { set(table, named: name, of: stage) }
    }
}
