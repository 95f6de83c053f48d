import Foundation
import Testing

@testable import Segmentation

@Suite struct SyntheticDataGeneratorTests {
    private static let asOf: Int32 = 20_089  // 2025-01-01

    private func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("segpipe-gen-\(UUID().uuidString)").path
    }

    private func contents(_ directory: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in SyntheticDataGenerator.fileNames {
            result[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return result
    }

    @Test func sameSeedGivesIdenticalBytes() throws {
        let first = temporaryDirectory()
        let second = temporaryDirectory()
        let third = temporaryDirectory()
        defer {
            for directory in [first, second, third] { try? FileManager.default.removeItem(atPath: directory) }
        }
        let generator = SyntheticDataGenerator(customers: 1_500, seed: 11, asOf: Self.asOf)
        let summary1 = try generator.write(to: first)
        let summary2 = try generator.write(to: second)
        #expect(summary1 == summary2)
        #expect(try contents(first) == contents(second))
        _ = try SyntheticDataGenerator(customers: 1_500, seed: 12, asOf: Self.asOf).write(to: third)
        #expect(try contents(first)["orders.csv"] != contents(third)["orders.csv"])
    }

    @Test func filesHaveCanonicalHeadersAndPlausibleCounts() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let customers = 4_000
        let summary = try SyntheticDataGenerator(customers: customers, seed: 5, asOf: Self.asOf).write(to: directory)
        let expectedHeaders = [
            "customers.csv": [
                "customer_id", "email", "first_name", "last_name", "phone", "birth_date", "city", "postal_code",
                "country", "signup_date", "acquisition_channel",
            ],
            "orders.csv": [
                "order_id", "customer_id", "order_date", "amount", "currency", "category", "quantity", "status",
            ],
            "email_events.csv": ["customer_id", "campaign_id", "event_type", "event_time"],
            "duplicates_truth.csv": ["source_customer_id", "group_id"],
        ]
        var rowCounts: [String: Int] = [:]
        var wrongFieldCounts: [String: Int] = [:]
        for (name, header) in expectedHeaders {
            let reader = try CSVReader(path: directory + "/" + name)
            #expect(reader.header == header, "\(name)")
            var rows = 0
            var wrong = 0
            try reader.forEachRecord { record in
                rows += 1
                if record.fieldCount != header.count { wrong += 1 }
                #expect(record.isValidUTF8)
            }
            rowCounts[name] = rows
            wrongFieldCounts[name] = wrong
        }
        #expect(rowCounts["customers.csv"] == summary.customerRows)
        #expect(rowCounts["orders.csv"] == summary.orderRows)
        #expect(rowCounts["email_events.csv"] == summary.emailEventRows)
        #expect(rowCounts["duplicates_truth.csv"] == summary.duplicateTruthRows)
        #expect(summary.customerRows == customers + summary.duplicateGroups)
        #expect((customers * 8...customers * 12).contains(summary.orderRows))
        #expect((customers * 15...customers * 25).contains(summary.emailEventRows))
        #expect((customers / 50...customers / 20).contains(summary.duplicateGroups))
        #expect(summary.duplicateTruthRows == 2 * summary.duplicateGroups)
        #expect(summary.badOrderRows > 0 && summary.badOrderRows < summary.orderRows / 100)
        #expect(summary.badEmailEventRows > 0 && summary.orphanOrderRows > 0)
        #expect((wrongFieldCounts["orders.csv"] ?? 0) > 0)
        #expect((wrongFieldCounts["orders.csv"] ?? 0) <= summary.badOrderRows)
    }

    @Test func truthIDsExistAndOrdersParse() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let summary = try SyntheticDataGenerator(customers: 3_000, seed: 9, asOf: Self.asOf).write(to: directory)
        var customerIDs = Set<String>()
        try CSVReader(path: directory + "/customers.csv").forEachRecord { customerIDs.insert($0.string(at: 0)) }
        var groups: [String: [String]] = [:]
        try CSVReader(path: directory + "/duplicates_truth.csv").forEachRecord { record in
            groups[record.string(at: 1), default: []].append(record.string(at: 0))
        }
        #expect(groups.count == summary.duplicateGroups)
        for (group, members) in groups {
            #expect(members.count >= 2, "\(group)")
            for member in members { #expect(customerIDs.contains(member), "\(member)") }
        }

        var unparseable = 0
        var germanAmounts = 0
        var latest: Int32 = .min
        try CSVReader(path: directory + "/orders.csv").forEachRecord { record in
            guard record.fieldCount == 8 else { return }
            let amount = record.field(3)
            if amount.contains(UInt8(ascii: ",")) { germanAmounts += 1 }
            guard ValueParser.decimal(amount) != nil, let day = ValueParser.date(record.field(2)) else {
                unparseable += 1
                return
            }
            latest = max(latest, day)
        }
        #expect(germanAmounts > 0)
        #expect(unparseable > 0 && unparseable <= summary.badOrderRows)
        #expect(latest <= Self.asOf)
        var badTimes = 0
        try CSVReader(path: directory + "/email_events.csv").forEachRecord { record in
            guard record.fieldCount == 4 else { return }
            if ValueParser.timestamp(record.field(3)) == nil { badTimes += 1 }
        }
        #expect(badTimes > 0 && badTimes <= summary.badEmailEventRows)
    }
}
