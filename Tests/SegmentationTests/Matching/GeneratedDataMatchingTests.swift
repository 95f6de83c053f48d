import Foundation
import Testing

@testable import Segmentation

/// End-to-end quality of the default matcher on the synthetic generator's planted duplicates.
@Suite struct GeneratedDataMatchingTests {
    @Test func defaultsFindPlantedDuplicatesWithHighPrecisionAndRecall() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("matching-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let asOf = CalendarDate.days(year: 2025, month: 6, day: 30)
        _ = try SyntheticDataGenerator(customers: 10_000, seed: 7, asOf: asOf).write(to: directory)

        let records = try Self.records(in: directory + "/customers.csv")
        let result = FuzzyMatcher().match(records)
        var truth: [String: [String]] = [:]
        let truthReader = try CSVReader(path: directory + "/duplicates_truth.csv")
        try truthReader.forEachRecord { record in
            truth[record.string(at: 1), default: []].append(record.string(at: 0))
        }
        let scores = DedupeEvaluation.pairwise(
            predictedGroups: result.groups.map { $0.map { records[$0].id } }, truthGroups: Array(truth.values))
        #expect(scores.truthPairs > 200)
        #expect(scores.precision >= 0.99)
        #expect(scores.recall >= 0.95)
        #expect(result.statistics.comparisons < 40 * records.count)
        #expect(result.statistics.mergesRefused == 0)
    }

    /// Customers normalised the way the clean stage does, first occurrence of each id.
    static func records(in path: String) throws -> [MatchRecord] {
        let countries: [String: String] = [
            "de": "DE", "deu": "DE", "deutschland": "DE", "germany": "DE", "at": "AT", "österreich": "AT",
            "austria": "AT", "ch": "CH", "schweiz": "CH", "switzerland": "CH", "nl": "NL", "niederlande": "NL",
            "netherlands": "NL", "fr": "FR", "frankreich": "FR", "france": "FR",
        ]
        var records: [MatchRecord] = []
        var seen = Set<String>()
        let reader = try CSVReader(path: path)
        try reader.forEachRecord { record in
            guard record.fieldCount >= 9 else { return }
            let id = TextNormalizer.collapsed(record.string(at: 0))
            guard !id.isEmpty, seen.insert(id).inserted else { return }
            let country = countries[TextNormalizer.collapsed(record.string(at: 8)).lowercased()]
            let region = country.flatMap(PhoneRegion.region(code:)) ?? .germany
            let email = TextNormalizer.collapsed(record.string(at: 1)).lowercased()
            let birthText = TextNormalizer.collapsed(record.string(at: 5))
            var birth = CalendarDate.parseISO(birthText)
            let parts = birthText.split(separator: ".").compactMap { Int($0) }
            if birth == nil, parts.count == 3 {
                birth = CalendarDate.days(year: parts[2], month: parts[1], day: parts[0])
            }
            records.append(
                MatchRecord(
                    id: id, email: email.contains("@") ? email : nil,
                    phone: PhoneNormalizer.e164(record.string(at: 4), defaultRegion: region),
                    firstName: NameNormalizer.properCase(record.string(at: 2)),
                    lastName: NameNormalizer.properCase(record.string(at: 3)),
                    postalCode: PostalCodeNormalizer.normalized(record.string(at: 7), country: country ?? "DE"),
                    city: TextNormalizer.collapsed(record.string(at: 6)), country: country, birthDate: birth))
        }
        return records
    }
}
