import Columnar
import Foundation
import Testing

@testable import Segmentation

@Suite struct ExtractStageTests {
    private func extract(
        customers: String, orders: String, events: String? = nil, configure: (inout StageContext) -> Void = { _ in }
    )
        throws -> StageOutput
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(customers.utf8).write(to: folder.appendingPathComponent("customers.csv"))
        try Data(orders.utf8).write(to: folder.appendingPathComponent("orders.csv"))
        if let events { try Data(events.utf8).write(to: folder.appendingPathComponent("email_events.csv")) }
        var context = StageFixtures.context()
        context.dataDirectory = folder.path
        configure(&context)
        return try ExtractStage(context: context).run()
    }

    private let customers = """
        customer_id,email,first_name,last_name,phone,birth_date,city,postal_code,country,signup_date,acquisition_channel
        C001,anna@example.de,Anna,Müller,+49 171 1234567,1980-02-29,Köln,50667,DE,2024-01-15,web
        C002, Bernd@Example.DE ,Bernd,"von Stein, Jr.",0171/1234567,31.12.1975,"Berlin",10115,Deutschland,15.03.2023,shop
        ,nobody@example.de,No,Id,,,,,,,
        C004,x@example.de,X,Y,,,,,,2024-02-30,web

        """

    @Test func typedColumnsAndRejectsWithLineFieldAndReason() throws {
        let orders = """
            order_id,customer_id,order_date,amount,currency,category,quantity,status
            O1,C001,2025-05-01,"1.234,56",EUR,shoes,2,completed
            O2,C002,01.06.2025,12.50 €,EUR,bags,1,completed
            O3,C001,2025-06-02,"12,3x",EUR,bags,1,completed
            O4,C001,2025-06-03,10.00,EUR,bags
            O5,C002,2025-06-04,-5,EUR,bags,1,returned
            """
        let output = try extract(customers: customers, orders: orders)
        let customerTable = try #require(output.table("customers"))
        let ids = try customerTable.strings("customer_id")
        #expect((0..<ids.count).map { ids[$0] } == ["C001", "C002"])
        #expect(try customerTable.strings("last_name")[1] == "von Stein, Jr.")
        #expect(try customerTable.strings("email")[1] == "Bernd@Example.DE")  // trimmed; normalised in clean
        #expect(
            try customerTable.dates("birth_date") == [
                StageFixtures.date(1980, 2, 29), StageFixtures.date(1975, 12, 31),
            ])
        #expect(try customerTable.int64s(CanonicalSchema.lineColumn) == [2, 3])

        let orderTable = try #require(output.table("orders"))
        #expect(try orderTable.doubles("amount") == [1234.56, 12.5, -5])
        #expect(try orderTable.dates("order_date")[1] == StageFixtures.date(2025, 6, 1))
        #expect(try orderTable.int64s("quantity") == [2, 1, 1])

        let rejects = try RejectTable.rejects(in: try #require(output.table("rejects")))
        let summary = rejects.map { "\($0.table):\($0.line):\($0.field):\($0.reason)" }
        #expect(
            summary == [
                "customers:4:customer_id:missing customer_id: the field is empty",
                "customers:5:signup_date:unparseable signup_date: \"2024-02-30\" is not a date (expected yyyy-MM-dd, dd.MM.yyyy or MM/dd/yyyy)",
                "orders:4:amount:unparseable amount: \"12,3x\" is not a decimal (expected 1234.56 or 1.234,56)",
                "orders:5::wrong field count: expected 8 fields, found 6",
            ])
        #expect(rejects[2].raw == "O3,C001,2025-06-02,\"12,3x\",EUR,bags,1,completed")
        #expect(rejects[2].file == "orders.csv")
        // Email events are optional: not configured here, so an empty table with the canonical columns.
        let events = try #require(output.table("email_events"))
        #expect(events.rowCount == 0)
        #expect(events.columnNames.contains("event_type"))
    }

    @Test func missingRequiredColumnIsAConfigurationErrorNamingTheColumnsFound() throws {
        #expect {
            try extract(customers: customers, orders: "order_id,customer,order_date,amount\nO1,C001,2025-01-01,1\n")
        } throws: { error in
            let error = error as? PipelineError
            return error?.code == .configuration
                && error?.message.contains("missing required column(s) customer_id") == true
                && error?.message.contains("columns found: order_id, customer, order_date, amount") == true
        }
    }

    @Test func missingRequiredFileIsAnInputError() throws {
        #expect {
            try extract(customers: customers, orders: "x") { context in
                context.configuration.sources.orders.path = "nope.csv"
            }
        } throws: { error in
            (error as? PipelineError)?.code == .input && (error as? PipelineError)?.message.contains("nope.csv") == true
        }
    }

    @Test func germanExportWithSemicolonsAndWindows1252() throws {
        let header = "order_id;customer_id;order_date;amount;currency;category;quantity;status\n"
        var bytes = Array(header.utf8)
        bytes += Array("O1;C001;31.12.2024;1.234,56;EUR;Gr".utf8) + [0xF6, 0xDF] + Array("e;1;abgeschlossen\n".utf8)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(customers.utf8).write(to: folder.appendingPathComponent("customers.csv"))
        try Data(bytes).write(to: folder.appendingPathComponent("orders.csv"))
        var context = StageFixtures.context()
        context.dataDirectory = folder.path
        context.configuration.sources.orders = .init(path: "orders.csv", delimiter: ";", encoding: "windows-1252")
        let output = try ExtractStage(context: context).run()
        let orders = try #require(output.table("orders"))
        #expect(try orders.doubles("amount") == [1234.56])
        #expect(try orders.dates("order_date") == [StageFixtures.date(2024, 12, 31)])
        #expect(try orders.strings("category")[0] == "Größe")
    }

    /// Run with a checkpoint, the stage streams each source into its file: the files hold exactly the rows the
    /// stage returns in memory without one (the low-cardinality text columns dictionary-encoded), the manifest
    /// entries describe them, and the rejects are the same.
    @Test func streamedCheckpointFilesHoldWhatTheInMemoryStageReturns() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(customers.utf8).write(to: folder.appendingPathComponent("customers.csv"))
        try ParallelReadTests.ordersFile(rows: 3_000, quotedBreakAt: 1_500)
            .write(to: folder.appendingPathComponent("orders.csv"), atomically: true, encoding: .utf8)
        var context = StageFixtures.context()
        context.dataDirectory = folder.path
        context.configuration.sources.emailEvents = nil
        let inMemory = try ExtractStage(context: context).run()
        #expect(inMemory.files.isEmpty)

        let store = CheckpointStore(root: folder.appendingPathComponent("checkpoints").path)
        context.checkpointOutput = CheckpointOutput(store: store, runID: "r1", stage: .extract)
        let streamed = try ExtractStage(context: context).run()
        #expect(streamed.files.map(\.table) == ["customers", "orders", "email_events"])
        #expect(streamed.tables.map(\.name) == ["rejects"])
        #expect(streamed.table("rejects") == inMemory.table("rejects"))
        #expect(streamed.metrics == inMemory.metrics)
        for file in streamed.files {
            let path = "\(store.stageDirectory("r1", .extract))/\(file.name)"
            let table = try Table(readingArrowFile: path, expectedChecksum: file.checksum)
            let coded = table.columns.filter { if case .dictionary = $0.values { true } else { false } }.map(\.name)
            let schemas = [CanonicalSchema.customers, CanonicalSchema.orders, CanonicalSchema.emailEvents]
            let schema = schemas.first { $0.name == file.table }
            // A source without rows (email_events here) writes no batch to code: its file is plain.
            #expect(Set(coded) == (file.rows > 0 ? schema?.codedFields : []), "\(file.table)")
            #expect(try StageFixtures.decodingDictionaries(table) == inMemory.table(file.table), "\(file.table)")
            #expect(table.rowCount == file.rows)
        }
        #expect(try #require(inMemory.table("orders")).rowCount == 2_998)
        #expect(try #require(inMemory.table("email_events")).rowCount == 0)
    }

    /// Runs extract with a checkpoint over the customers and the orders at `path` in `folder` (no email events) and
    /// reads back the orders file it wrote.
    private func streamedOrders(in folder: URL, path: String) throws -> Table {
        var context = StageFixtures.context()
        context.dataDirectory = folder.path
        context.configuration.sources.orders.path = path
        context.configuration.sources.emailEvents = nil
        let store = CheckpointStore(root: folder.appendingPathComponent("checkpoints").path)
        context.checkpointOutput = CheckpointOutput(store: store, runID: "r1", stage: .extract)
        let output = try ExtractStage(context: context).run()
        let file = try #require(output.files.first { $0.table == "orders" })
        return try Table(
            readingArrowFile: "\(store.stageDirectory("r1", .extract))/\(file.name)", expectedChecksum: file.checksum)
    }

    /// The coding of a field is decided on the first part with rows: a source whose first file has only a header
    /// still has an id-like category written plain and its currencies coded.
    @Test func theCodingWaitsForTheFirstRows() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(customers.utf8).write(to: folder.appendingPathComponent("customers.csv"))
        let header = "order_id,customer_id,order_date,amount,currency,category,quantity,status\n"
        try header.write(to: folder.appendingPathComponent("orders-1.csv"), atomically: true, encoding: .utf8)
        let rows = (0..<2_000).map { row in
            "O\(row),K1,2024-01-01,1.00,\(row % 2 == 0 ? "EUR" : "CHF"),item-\(row),1,completed\n"
        }
        try (header + rows.joined()).write(
            to: folder.appendingPathComponent("orders-2.csv"), atomically: true, encoding: .utf8)
        let orders = try streamedOrders(in: folder, path: "orders-*.csv")
        #expect(orders.rowCount == 2_000)
        let kinds = try ["category", "currency", "status"].map { name -> Bool in
            if case .dictionary = try #require(orders[name]).values { return true }
            return false
        }
        #expect(kinds == [false, true, true])
    }

    /// A coded field whose first part holds more distinct values than a dictionary is worth (a category that is
    /// really an id) stays plain text in the file; the other coded fields are coded, and a missing value stays null.
    @Test func aCodedFieldThatStartsIdLikeStaysPlain() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("extract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(customers.utf8).write(to: folder.appendingPathComponent("customers.csv"))
        let rows = RepeatedTextCoder.distinctLimit + 5_000
        var text = "order_id,customer_id,order_date,amount,currency,category,quantity,status\n"
        for row in 0..<rows {
            let currency = row % 1_000 == 999 ? "" : ["EUR", "CHF", "USD"][row % 3]
            let status = row < rows - 10 ? "completed" : "returned"
            text += "O\(row),K1,2024-01-01,1.00,\(currency),item-\(row),1,\(status)\n"
        }
        try text.write(to: folder.appendingPathComponent("orders.csv"), atomically: true, encoding: .utf8)
        let orders = try streamedOrders(in: folder, path: "orders.csv")
        #expect(orders.rowCount == rows)
        guard case .utf8 = try #require(orders["category"]).values else {
            Issue.record("category is coded")
            return
        }
        guard case .dictionary(let currency) = try #require(orders["currency"]).values,
            case .dictionary(let status) = try #require(orders["status"]).values
        else {
            Issue.record("currency or status is not coded")
            return
        }
        #expect(Set((0..<currency.dictionary.count).map { currency.dictionary[$0] }) == ["EUR", "CHF", "USD"])
        #expect((0..<status.dictionary.count).map { status.dictionary[$0] } == ["completed", "returned"])
        #expect(try orders.validity("currency")?.filter { !$0 }.count == rows / 1_000)
        #expect(try orders.strings("currency")[999] == "")
        #expect(try orders.strings("status")[rows - 1] == "returned")
    }
}
