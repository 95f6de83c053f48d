import Columnar
import Foundation
import TestSupport
import Testing

@testable import Segmentation

@Suite struct CleanStageTests {
    private func inputs(extraOrders: Int = 0) throws -> StageInputs {
        let d = StageFixtures.date
        var rows: [(id: String, customer: String, date: Int32, amount: Double, status: String)] = [
            ("o1", "C1", d(2026, 1, 1), 10, "Completed"), ("o2", "C9", d(2026, 1, 1), 10, "completed"),
            ("o3", "C2", d(2026, 3, 1), 10, "completed"), ("o1", "C1", d(2026, 1, 1), 10, "completed"),
            ("o4", "C2", d(2026, 1, 5), 10, "lost in space"),
        ]
        for index in 0..<extraOrders { rows.append(("x\(index)", "C2", d(2026, 1, 1), 1, "completed")) }
        var inputs = StageFixtures.inputs(
            customers: try StageFixtures.customers(
                ids: [" C1 ", "C2", "C1", ""], emails: [" Anna@Example.DE", "not-an-email", nil, nil],
                signups: [nil, nil, nil, nil]),
            orders: try StageFixtures.orders(rows),
            events: try StageFixtures.events([("C2", "OPEN"), ("C3", "open"), ("C2", "bounce")]), of: .extract)
        inputs.set(RejectTable.make([]), named: "rejects", of: .extract)
        return inputs
    }

    @Test func badRowsBecomeRejectsWithReasonsAndGoodRowsGoOn() throws {
        var context = StageFixtures.context()
        context.configuration.clean.maxRejectRate = 1
        let output = try CleanStage(context: context).run(try inputs())
        let customers = try #require(output.table("customers"))
        let ids = try customers.strings("customer_id")
        #expect((0..<ids.count).map { ids[$0] } == ["C1", "C2"])
        #expect(try customers.strings("email")[0] == "anna@example.de")
        #expect(try customers.validity("email")?[1] == false)

        let orders = try #require(output.table("orders"))
        let orderIDs = try orders.strings("order_id")
        #expect((0..<orders.rowCount).map { orderIDs[$0] } == ["o1"])
        #expect(try orders.strings("status")[0] == "completed")
        #expect(output.metrics["duplicate_orders_dropped"] == .int(1))

        let rejects = try RejectTable.rejects(in: try #require(output.table("rejects")))
        let summary = rejects.map { "\($0.table):\($0.line):\($0.field):\(RejectTable.reasonCategory($0.reason))" }
        #expect(
            summary == [
                "customers:4:customer_id:duplicate customer_id", "customers:5:customer_id:missing customer_id",
                "orders:3:customer_id:unknown customer", "orders:4:order_date:order date after as_of",
                "orders:6:status:unknown status", "email_events:3:customer_id:unknown customer",
            ])
        #expect(output.qualityFailure == nil)
    }

    @Test func rejectRateAboveThresholdIsAQualityFailure() throws {
        var context = StageFixtures.context()
        context.configuration.clean.maxRejectRate = 0.5
        let output = try CleanStage(context: context).run(try inputs())
        let failure = try #require(output.qualityFailure)
        #expect(failure.contains("orders: 3 of 5 rows rejected"))
        let passing = try CleanStage(context: context).run(try inputs(extraOrders: 20))
        #expect(passing.qualityFailure?.contains("orders") != true)
    }

    @Test func orphansCanBeKeptUnderAPlaceholderCustomer() throws {
        var context = StageFixtures.context()
        context.configuration.clean.maxRejectRate = 1
        context.configuration.clean.unknownCustomers = "placeholder:UNKNOWN"
        let output = try CleanStage(context: context).run(try inputs())
        let customers = try #require(output.table("customers"))
        let ids = try customers.strings("customer_id")
        #expect((0..<ids.count).map { ids[$0] } == ["C1", "C2", "UNKNOWN"])
        let orders = try #require(output.table("orders"))
        let owners = try orders.strings("customer_id")
        #expect((0..<orders.rowCount).map { owners[$0] } == ["C1", "UNKNOWN"])
        let events = try #require(output.table("email_events"))
        let eventOwners = try events.strings("customer_id")
        #expect((0..<events.rowCount).map { eventOwners[$0] } == ["C2", "UNKNOWN", "C2"])
        #expect(output.metrics["orphans_kept_under_placeholder"] == .int(2))
    }

    /// A SIGINT or SIGTERM during the orders stops clean within one block of rows, with the cancelled error and
    /// not after reading every row.
    /// Streamed from files a few record batches at a time, clean keeps and rejects exactly the rows it does on whole
    /// tables: a repeated order id is dropped even when its first occurrence was in an earlier slice (read back from
    /// the file, trimmed), and only then.
    /// Raw text columns coded into dictionaries, as extract writes its checkpoint, clean exactly as plain ones: the
    /// same rows kept with the same values, the same rejects with the same raw text (a null row read as empty).
    @Test func dictionaryEncodedRawTextCleansAsPlainText() throws {
        let date = StageFixtures.date(2026, 1, 1)
        let orders = try StageFixtures.table([
            StageFixtures.text("order_id", (0..<6).map { "o\($0)" }),
            StageFixtures.text("customer_id", ["C1", "C2", "C1", "C2", "C1", "C2"]),
            Column(name: "order_date", values: .date32((0..<6).map { _ in date })),
            Column(name: "amount", values: .float64((0..<6).map { Double($0) + 1 })),
            StageFixtures.text("currency", ["EUR", nil, "XXX", "EUR", " eur ", "EUR"]),
            StageFixtures.text("category", ["shoes", nil, "hats", "shoes", "hats", nil]),
            Column(name: "quantity", values: .int64((0..<6).map { _ in 1 })),
            StageFixtures.text("status", ["completed", " Completed", "completed", "lost", "returned", nil]),
            Column(name: CanonicalSchema.lineColumn, values: .int64((0..<6).map { Int64($0 + 2) })),
        ])
        let events = try StageFixtures.table([
            StageFixtures.text("customer_id", ["C1", "C2", "C1", "C2"]),
            StageFixtures.text("campaign_id", ["c1", nil, "c2", "c1"]),
            StageFixtures.text("event_type", ["open", "OPEN ", "oops", "click"]),
            Column(name: "event_time", values: .timestamp([0, 0, 0, 0])),
            Column(name: CanonicalSchema.lineColumn, values: .int64([2, 3, 4, 5])),
        ])
        func clean(_ orders: Table, _ events: Table) throws -> StageOutput {
            var inputs = StageFixtures.inputs(
                customers: try StageFixtures.customers(ids: ["C1", "C2"], emails: [nil, nil], signups: [nil, nil]),
                orders: orders, events: events, of: .extract)
            inputs.set(RejectTable.make([]), named: "rejects", of: .extract)
            var context = StageFixtures.context()
            context.configuration.clean.maxRejectRate = 1
            return try CleanStage(context: context).run(inputs)
        }
        let plain = try clean(orders, events)
        let coded = try clean(
            try StageFixtures.dictionaryEncoded(orders, ["currency", "category", "status"]),
            try StageFixtures.dictionaryEncoded(events, ["campaign_id", "event_type"]))
        #expect(coded.metrics == plain.metrics)
        for name in ["customers", "orders", "email_events", "rejects"] {
            let codedTable = try StageFixtures.decodingDictionaries(try #require(coded.table(name)))
            #expect(codedTable == (try StageFixtures.decodingDictionaries(try #require(plain.table(name)))), "\(name)")
        }
        let reasons = try RejectTable.rejects(in: try #require(coded.table("rejects"))).map(\.field)
        #expect(reasons == ["currency", "status", "event_type"])
    }

    @Test func slicesOfAFileGiveTheTablesOfTheWholeRead() throws {
        let folder = try TemporaryDirectory(prefix: "clean-slices")
        let d = StageFixtures.date
        var rows: [(id: String, customer: String, date: Int32, amount: Double, status: String)] = []
        for index in 0..<600 {
            let customer = ["C1", "C2", "C9"][index % 3]
            let status = index % 50 == 7 ? "lost" : "completed"
            rows.append(("o\(index)", customer, d(2026, 1, 1 + index % 20), Double(index), status))
        }
        // Repeats of earlier ids: far back (other slices), with spaces, of rejected rows and within one slice.
        rows[450].id = "o3"
        rows[451].id = " o3 "
        rows[452].id = "o1"  // o1 is an unknown customer's order, rejected: this row is its first kept occurrence
        rows[453].id = "o1"
        rows[454].id = "o454x"
        rows[455].id = "o454x"
        var inputs = StageFixtures.inputs(
            customers: try StageFixtures.customers(ids: ["C1", "C2"], emails: [nil, nil], signups: [nil, nil]),
            orders: try StageFixtures.orders(rows),
            events: try StageFixtures.events((0..<300).map { (["C1", "C2", "C9"][$0 % 3], $0 % 7 == 0 ? "oops" : "open") }),
            of: .extract)
        inputs.set(RejectTable.make([]), named: "rejects", of: .extract)
        var context = StageFixtures.context()
        context.configuration.clean.maxRejectRate = 1
        let whole = try CleanStage(context: context).run(inputs)
        #expect(whole.metrics["duplicate_orders_dropped"] == .int(3))

        for name in ["orders", "email_events"] {
            inputs.set(
                try StageFixtures.streamed(
                    try inputs.table(name, of: .extract), named: name, of: .extract, batchRows: 37, in: folder.path),
                named: name, of: .extract)
        }
        var stage = CleanStage(context: context)
        stage.sliceRows = 50
        let sliced = try stage.run(inputs)
        #expect(sliced.metrics == whole.metrics)
        for name in ["customers", "orders", "email_events", "rejects"] {
            let same = sliced.table(name) != nil && sliced.table(name) == whole.table(name)
            #expect(same, "table \(name) differs between the sliced and the whole-table run")
        }
        let ids = try #require(sliced.table("orders")).strings("order_id")
        let kept = (0..<ids.count).map { ids[$0] }
        #expect(kept.filter { $0.trimmingCharacters(in: .whitespaces) == "o3" } == ["o3"])
        #expect(kept.filter { $0 == "o1" }.count == 1)
        #expect(kept.filter { $0 == "o454x" }.count == 1)

        // Into a checkpoint: the same rows, written slice by slice.
        let store = CheckpointStore(root: folder.path + "/checkpoints")
        context.checkpointOutput = CheckpointOutput(store: store, runID: "r1", stage: .clean)
        stage = CleanStage(context: context)
        stage.sliceRows = 50
        let streamed = try stage.run(inputs)
        #expect(streamed.files.map(\.table) == ["customers", "orders", "email_events"])
        for file in streamed.files {
            let path = store.stageDirectory("r1", .clean) + "/" + file.name
            let same = try Table(readingArrowFile: path, expectedChecksum: file.checksum) == whole.table(file.table)
            #expect(same, "checkpoint table \(file.table) differs from the whole-table run")
        }
    }

    @Test func cancellationStopsCleanWithinABlockOfRows() throws {
        let progress = CountingProgress()
        var context = StageFixtures.context()
        context.configuration.clean.maxRejectRate = 1
        context.progress = progress
        // Cancelled as soon as the first block of rows has been reported.
        context.isCancelled = { progress.rows >= RowTicker.interval }
        let rows = 3 * RowTicker.interval
        do {
            _ = try CleanStage(context: context).run(try inputs(extraOrders: rows))
            Issue.record("clean finished although the run was cancelled")
        } catch let error as PipelineError {
            #expect(error.code == .cancelled)
        }
        #expect(progress.rows >= RowTicker.interval)
        #expect(progress.rows < rows)
        #expect(progress.total == Int64(4 + 5 + rows + 3))
    }
}

/// Counts what a stage reports to the progress line.
final class CountingProgress: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var rowCount = 0
    private var expected: Int64 = 0
    var rows: Int { lock.withLock { rowCount } }
    var total: Int64 { lock.withLock { expected } }
    func stageStarted(_ stage: StageName, position: Int, count: Int) {}
    func expectTotal(_ total: Int64, of unit: ProgressUnit) { lock.withLock { expected = total } }
    func rowsProcessed(_ rows: Int) { lock.withLock { rowCount += rows } }
    func stageFinished(_ stage: StageName) {}

    /// Run with a checkpoint, the stage writes kept orders and events into their files a slice at a time: the files
    /// are byte for byte what the runner writes for the tables the stage returns without a checkpoint.
    @Test func gatheredCheckpointFilesAreTheTablesTheStageReturns() throws {
        let folder = try TemporaryDirectory(prefix: "clean-gathered")
        var context = try StageFixtures.generatedContext(customers: 1_200, seed: 5, in: folder.path)
        let inputs = try StageFixtures.extractedInputs(context)
        let inMemory = try CleanStage(context: context).run(inputs)
        #expect(inMemory.files.isEmpty)
        let orders = try #require(inMemory.table("orders"))
        #expect(orders.rowCount < (try inputs.table("orders", of: .extract)).rowCount, "no order was dropped")

        let store = CheckpointStore(root: folder.path + "/checkpoints")
        context.checkpointOutput = CheckpointOutput(store: store, runID: "r1", stage: .clean)
        let streamed = try CleanStage(context: context).run(inputs)
        #expect(streamed.files.map(\.table) == ["customers", "orders", "email_events"])
        #expect(streamed.tables.map(\.name) == ["rejects"])
        #expect(streamed.metrics == inMemory.metrics)
        for file in streamed.files {
            let table = try #require(inMemory.table(file.table))
            let expected = try table.write(to: folder.path + "/expected-\(file.table).arrow")
            #expect(file.checksum == expected.checksum, "\(file.table)")
            #expect(file.rows == table.rowCount)
        }
    }
}
