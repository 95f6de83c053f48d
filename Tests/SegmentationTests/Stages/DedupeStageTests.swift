import Clustering
import Columnar
import Foundation
import Logging
import Testing

@testable import Segmentation

@Suite struct DedupeStageTests {
    /// Clean customers that repeat an id (a hand-edited or foreign checkpoint) are refused, naming the id; ids that
    /// only share a prefix are not repeats.
    @Test(arguments: [(["C1", "C10", "C1"], "C1"), (["", "B", ""], ""), (["C1", "C10", "C100"], nil)])
    func repeatedCleanIDsAreRefused(ids: [String], repeated: String?) throws {
        let d = StageFixtures.date
        let inputs = StageFixtures.inputs(
            customers: try StageFixtures.customers(
                ids: ids, emails: ids.map { _ in nil }, signups: ids.map { _ in d(2025, 1, 1) }),
            orders: try StageFixtures.orders([]), events: try StageFixtures.events([]), of: .clean)
        let stage = DedupeStage(context: StageFixtures.context())
        guard let repeated else {
            #expect(try stage.run(inputs).table("customers")?.rowCount == ids.count)
            return
        }
        #expect {
            try stage.run(inputs)
        } throws: { error in
            (error as? PipelineError)?.code == .checkpoint
                && "\(error)".contains("repeat customer_id \"\(repeated)\"")
        }
    }

    @Test func sameEmailMergesToTheSmallestIdAndRemapsOrders() throws {
        let d = StageFixtures.date
        let inputs = StageFixtures.inputs(
            customers: try StageFixtures.customers(
                ids: ["C0010", "C0002", "C0003", "C0004"],
                emails: ["anna@example.de", "anna@example.de", nil, "bernd@example.de"],
                signups: [d(2025, 6, 1), d(2024, 1, 1), d(2025, 1, 1), d(2025, 1, 1)]),
            orders: try StageFixtures.orders([
                ("o1", "C0010", d(2026, 1, 1), 10, "completed"), ("o2", "C0002", d(2026, 1, 2), 20, "completed"),
                ("o3", "C0004", d(2026, 1, 3), 30, "completed"),
            ]),
            events: try StageFixtures.events([("C0010", "open")]), of: .clean)
        let output = try DedupeStage(context: StageFixtures.context()).run(inputs)

        let customers = try #require(output.table("customers"))
        let ids = try customers.strings("customer_id")
        #expect((0..<ids.count).map { ids[$0] } == ["C0002", "C0003", "C0004"])
        #expect(try customers.int64s("source_records") == [2, 1, 1])
        // Survivorship: earliest signup; other fields from the most recently signed-up record.
        #expect(try customers.dates("signup_date")[0] == d(2024, 1, 1))
        #expect(try customers.strings("first_name")[0] == "First C0010")

        let map = try #require(output.table("customer_id_map"))
        let source = try map.strings("source_customer_id")
        let merged = try map.strings("customer_id")
        let rules = try map.strings("rule")
        let pairs = (0..<map.rowCount).map { "\(source[$0])→\(merged[$0]):\(rules[$0])" }
        #expect(pairs == ["C0002→C0002:email", "C0010→C0002:email", "C0003→C0003:identity", "C0004→C0004:identity"])

        let orders = try #require(output.table("orders"))
        let orderCustomers = try orders.strings("customer_id")
        #expect((0..<orders.rowCount).map { orderCustomers[$0] } == ["C0002", "C0002", "C0004"])
        let events = try #require(output.table("email_events"))
        #expect(try events.strings("customer_id")[0] == "C0002")
        #expect(output.metrics["duplicates_merged"] == .int(1))
    }

    @Test func idsOfDifferentLengthsAreRemappedAndRunsBetweenThemKept() throws {
        let d = StageFixtures.date
        // K77 and K1000 share an email with K1 (merged id K1, shorter), K5 has none; ids differ in length, so
        // the remapped id columns are rebuilt with shifted offsets.
        let inputs = StageFixtures.inputs(
            customers: try StageFixtures.customers(
                ids: ["K77", "K1", "K1000", "K5"],
                emails: ["x@example.de", "x@example.de", "x@example.de", nil],
                signups: [d(2025, 6, 1), d(2024, 1, 1), d(2025, 1, 1), d(2025, 1, 1)]),
            orders: try StageFixtures.orders([
                ("o1", "K5", d(2026, 1, 1), 10, "completed"), ("o2", "K1000", d(2026, 1, 2), 20, "completed"),
                ("o3", "K5", d(2026, 1, 3), 30, "completed"), ("o4", "K77", d(2026, 1, 4), 40, "completed"),
                ("o5", "K1", d(2026, 1, 5), 50, "completed"), ("o6", "K5", d(2026, 1, 6), 60, "completed"),
            ]),
            events: try StageFixtures.events([("K1000", "open"), ("K5", "sent")]), of: .clean)
        let output = try DedupeStage(context: StageFixtures.context()).run(inputs)

        let ids = try #require(output.table("customers")).strings("customer_id")
        #expect((0..<ids.count).map { ids[$0] } == ["K1", "K5"])
        let map = try #require(output.table("customer_id_map"))
        let source = try map.strings("source_customer_id")
        let merged = try map.strings("customer_id")
        #expect((0..<map.rowCount).map { "\(source[$0])→\(merged[$0])" } == ["K1→K1", "K1000→K1", "K77→K1", "K5→K5"])
        let orders = try #require(output.table("orders")).strings("customer_id")
        #expect((0..<orders.count).map { orders[$0] } == ["K5", "K1", "K5", "K1", "K1", "K5"])
        #expect(orders.offsets == [0, 2, 4, 6, 8, 10, 12])
        let events = try #require(output.table("email_events")).strings("customer_id")
        #expect((0..<events.count).map { events[$0] } == ["K1", "K5"])
        #expect(output.metrics["duplicates_merged"] == .int(2))
    }

    @Test func exactPairsOnColumnBytesEqualThePairsOnStrings() {
        var generator = SeededGenerator(seed: 5)
        var keys: [String?] = []
        for _ in 0..<5_000 {
            switch Int.random(in: 0..<10, using: &generator) {
            case 0: keys.append(nil)
            case 1: keys.append("")
            default: keys.append("user\(Int.random(in: 0..<800, using: &generator))@example.de")
            }
        }
        let column = StringColumn(keys.map { $0 ?? "" })
        let validity = keys.map { $0 != nil }
        let expected = ExactMatch.pairs(byKey: keys).map {
            MatchPair(first: $0.0, second: $0.1, score: 1, rule: "email")
        }
        #expect(expected.count > 3_000)
        #expect(ExactMatch.pairs(byKey: column, validity: validity, rule: "email") == expected)
    }

    @Test func generatedDuplicatesAreFoundWithHighPrecisionAndRecallThroughTheStages() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dedupe-quality-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = try DedupeQualityRun.run(
            customers: 5_000, seed: 21, directory: folder.path, configuration: StageFixtures.context().configuration,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        #expect(report.truthPairs > 100)
        #expect(report.precision >= 0.99, "precision \(report.precision)")
        #expect(report.recall >= 0.95, "recall \(report.recall)")
        #expect(report.sourceRecords - report.mergedCustomers == report.predictedPairs)
    }

    @Test func sameCommonNameInDifferentCitiesIsNeverMerged() throws {
        let d = StageFixtures.date
        var customers = try StageFixtures.customers(
            ids: ["A1", "A2", "A3"], emails: ["t.mueller@a.de", "thomas@b.de", "tm@c.de"],
            signups: [d(2024, 1, 1), d(2024, 2, 1), d(2024, 3, 1)])
        var columns = customers.columns
        for index in columns.indices {
            switch columns[index].name {
            case "first_name": columns[index] = StageFixtures.text("first_name", ["Thomas", "Thomas", "Thomas"])
            case "city": columns[index] = StageFixtures.text("city", ["Berlin", "München", "Köln"])
            case "postal_code": columns[index] = StageFixtures.text("postal_code", ["10115", "80331", "50667"])
            default: break
            }
        }
        customers = try Table(columns: columns)
        let inputs = StageFixtures.inputs(
            customers: customers, orders: try StageFixtures.orders([]), events: try StageFixtures.events([]),
            of: .clean)
        let output = try DedupeStage(context: StageFixtures.context()).run(inputs)
        #expect(output.table("customers")?.rowCount == 3)
        #expect(output.metrics["duplicates_merged"] == .int(0))
    }
}
