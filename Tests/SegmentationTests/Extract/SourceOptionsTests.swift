import Columnar
import Foundation
import Testing

@testable import Segmentation

@Suite struct SourceOptionsTests {
    private let customers = """
        customer_id,email,first_name,last_name,phone,birth_date,city,postal_code,country,signup_date,acquisition_channel
        C001,anna@example.de,Anna,Müller,,,,,DE,2024-01-15,web

        """

    private func extract(files: [String: [UInt8]], orders: PipelineConfiguration.Source) throws -> StageOutput {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sources-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(customers.utf8).write(to: folder.appendingPathComponent("customers.csv"))
        for (name, bytes) in files { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
        var context = StageFixtures.context()
        context.dataDirectory = folder.path
        context.configuration.sources.orders = orders
        return try ExtractStage(context: context).run()
    }

    @Test func germanHeadersAreMappedOntoCanonicalColumnsWithExplicitFormats() throws {
        let csv = """
            Bestellnummer;KundenNr;Bestelldatum;Betrag;Währung;Kategorie;Menge;Status
            B-1;C001;01.02.2025;1.234;EUR;Schuhe;1;bezahlt
            B-2;C001;03.02.2025;12,5;EUR;Taschen;2;bezahlt

            """
        var source = PipelineConfiguration.Source(path: "bestellungen.csv", delimiter: ";")
        source.columns = [
            "order_id": "Bestellnummer", "customer_id": "KundenNr", "order_date": "Bestelldatum", "amount": "Betrag",
            "currency": "Währung", "category": "Kategorie", "quantity": "Menge", "status": "Status",
        ]
        source.formats = .init(date: "dd.MM.yyyy", decimal: "comma")
        let output = try extract(files: ["bestellungen.csv": Array(csv.utf8)], orders: source)
        let orders = try #require(output.table("orders"))
        // With decimal: comma, "1.234" is one thousand two hundred thirty-four.
        #expect(try orders.doubles("amount") == [1234, 12.5])
        #expect(try orders.dates("order_date") == [StageFixtures.date(2025, 2, 1), StageFixtures.date(2025, 2, 3)])
        #expect(try orders.strings("category")[1] == "Taschen")
    }

    @Test func globReadsEveryMatchingFileInNameOrderIncludingGzip() throws {
        let header = "order_id,customer_id,order_date,amount,currency,category,quantity,status\n"
        let january = header + "O1,C001,2025-01-05,10,EUR,a,1,completed\n"
        let february = header + "O2,C001,2025-02-05,20,EUR,a,1,completed\nO3,C001,2025-02-06,x,EUR,a,1,completed\n"
        let march = header + "O4,C001,2025-03-05,30,EUR,a,1,completed\n"
        let gzipped = try Self.gzip(Array(march.utf8))
        let output = try extract(
            files: [
                "orders_2025-01.csv": Array(january.utf8), "orders_2025-02.csv": Array(february.utf8),
                "orders_2025-03.csv.gz": gzipped, "other.csv": Array(header.utf8),
            ],
            orders: .init(path: "orders_2025-*"))
        let orders = try #require(output.table("orders"))
        let ids = try orders.strings("order_id")
        #expect((0..<ids.count).map { ids[$0] } == ["O1", "O2", "O4"])
        #expect(try orders.int64s(CanonicalSchema.lineColumn) == [2, 2, 2])
        let rejects = try RejectTable.rejects(in: try #require(output.table("rejects")))
        #expect(rejects.map { "\($0.file):\($0.line):\($0.field)" } == ["orders_2025-02.csv:3:amount"])
    }

    @Test func fileWithoutHeaderUsesPositions() throws {
        let csv = "C001|O9|7|2025-04-01|completed|99.90\n"
        var source = PipelineConfiguration.Source(path: "raw.txt", delimiter: "|")
        source.header = false
        source.columns = ["customer_id": "1", "order_id": "2", "quantity": "3", "order_date": "4", "status": "5", "amount": "6"]
        let output = try extract(files: ["raw.txt": Array(csv.utf8)], orders: source)
        let orders = try #require(output.table("orders"))
        #expect(try orders.strings("order_id")[0] == "O9")
        #expect(try orders.doubles("amount") == [99.9])
        #expect(try orders.validity("currency") == [false])
    }

    @Test func noMatchingFileIsAnInputErrorNamingThePattern() {
        #expect {
            try extract(files: [:], orders: .init(path: "orders_*.csv"))
        } throws: { error in
            let error = error as? PipelineError
            return error?.code == .input && error?.message.contains("no file matches") == true
        }
    }

    @Test func configurationRejectsUnknownCanonicalColumnAndTwoSourceKinds() {
        let yaml = """
            name: x
            sources:
              customers: {path: c.csv}
              orders: {path: o.csv, columns: {betrag: Betrag}}
            """
        #expect {
            try PipelineConfiguration.parse(yaml: yaml, path: "p.yaml")
        } throws: { error in
            (error as? PipelineError)?.message.contains("\"betrag\" is not a canonical orders column") == true
        }
        let both = "name: x\nsources:\n  customers: {path: c.csv, table: crm.customers}\n  orders: {path: o.csv}\n"
        #expect {
            try PipelineConfiguration.parse(yaml: both, path: "p.yaml")
        } throws: { error in
            (error as? PipelineError)?.message.contains("needs exactly one of path, table or query") == true
        }
    }

    private static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("data")
        try Data(bytes).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-n", file.path]
        try process.run()
        process.waitUntilExit()
        return Array(try Data(contentsOf: folder.appendingPathComponent("data.gz")))
    }
}
