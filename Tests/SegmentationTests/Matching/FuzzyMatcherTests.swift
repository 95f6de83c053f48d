import Testing

@testable import Segmentation

@Suite struct FuzzyMatcherTests {
    private let birth = CalendarDate.days(year: 1980, month: 3, day: 14)

    @Test func commonNameInDifferentCitiesIsNeverMerged() {
        let records = [
            MatchRecord(
                id: "C1", email: "thomas.mueller@web.de", phone: "+491711234567", firstName: "Thomas",
                lastName: "Müller", postalCode: "10115", city: "Berlin", country: "DE"),
            MatchRecord(
                id: "C2", email: "t.mueller@gmx.de", phone: "+498912345678", firstName: "Thomas", lastName: "Müller",
                postalCode: "80331", city: "München", country: "DE"),
            MatchRecord(
                id: "C3", email: "thomas.mueller77@gmail.com", firstName: "Thomas", lastName: "Mueller",
                postalCode: "50667", city: "Köln", country: "DE"),
        ]
        var configuration = FuzzyMatcher.Configuration()
        configuration.blockingKeys = [.postalCode, .lastNamePhonetic]
        let result = FuzzyMatcher(configuration: configuration).match(records)
        #expect(result.statistics.comparisons == 3)
        #expect(result.pairs.isEmpty)
        #expect(result.groups.isEmpty)
    }

    @Test func commonNameInOnePostalCodeWithOtherBirthDateAndContactsIsNotMerged() {
        let records = [
            MatchRecord(
                id: "C1", email: "thomas.mueller@web.de", phone: "+491711234567", firstName: "Thomas",
                lastName: "Müller", postalCode: "10115", city: "Berlin", birthDate: birth),
            MatchRecord(
                id: "C2", email: "t.mueller@gmx.de", phone: "+491729876543", firstName: "Thomas", lastName: "Müller",
                postalCode: "10115", city: "Berlin", birthDate: birth + 4000),
        ]
        let result = FuzzyMatcher().match(records)
        #expect(result.groups.isEmpty)
    }

    @Test func twinsSharingBirthDateAddressAndPhoneAreNotMerged() {
        let records = ["Anna", "Lena"].enumerated().map { index, first in
            MatchRecord(
                id: "C\(index)", phone: "+491711234567", firstName: first, lastName: "Schmidt", postalCode: "10115",
                city: "Berlin", birthDate: birth)
        }
        let result = FuzzyMatcher().match(records)
        #expect(result.statistics.comparisons == 1)
        #expect(result.groups.isEmpty)
    }

    @Test func plantedVariationsOfOnePersonAreMerged() {
        let records = [
            MatchRecord(
                id: "C1", email: "juergen.mueller@web.de", phone: "+491711234567", firstName: "Jürgen",
                lastName: "Müller", postalCode: "10115", city: "Berlin", country: "DE", birthDate: birth),
            // Typo in the last name, the same phone written differently (normalised), no e-mail.
            MatchRecord(
                id: "C2", phone: "+491711234567", firstName: "Jürgen", lastName: "Mueller", postalCode: "10115",
                city: "Berlin", country: "DE", birthDate: birth),
            // New e-mail, no phone.
            MatchRecord(
                id: "C3", email: "juergen.mueller_neu@gmx.de", firstName: "Jürgen", lastName: "Müller",
                postalCode: "10115", city: "Berlin", country: "DE", birthDate: birth),
            // Same e-mail: the exact rule.
            MatchRecord(id: "C4", email: "juergen.mueller@web.de", firstName: "J.", lastName: "M."),
            MatchRecord(
                id: "C5", email: "anna.schmidt@web.de", firstName: "Anna", lastName: "Schmidt", postalCode: "10115",
                city: "Berlin", country: "DE"),
        ]
        let result = FuzzyMatcher().match(records)
        #expect(result.groups == [[0, 1, 2, 3]])
        #expect(result.pairs.first == MatchPair(first: 0, second: 3, score: 1, rule: "email"))
        #expect(result.pairs.dropFirst().allSatisfy { $0.rule == "fuzzy" && $0.score >= 0.75 })
    }

    @Test func scoreIsTheWeightedMeanWithMissingFieldsAtOneHalf() {
        let records = [
            MatchRecord(id: "A", firstName: "Anna", lastName: "Schmidt", postalCode: "10115", city: "Berlin"),
            MatchRecord(id: "B", firstName: "Anna", lastName: "Schmidt", postalCode: "10115", city: "Berlin"),
        ]
        var configuration = FuzzyMatcher.Configuration()
        configuration.threshold = 0.7
        let prepared = FuzzyMatcher.PreparedRecords(records)
        let scorer = FuzzyMatcher.PairScorer(configuration: configuration, prepared: prepared)
        let score = prepared.scalars.withUnsafeBufferPointer { scorer.score(0, 1, scalars: $0) }
        // Names, postal code and city agree (4 of 9); e-mail, phone, birth date missing (5 × 0.5).
        #expect(abs(score - 6.5 / 9) < 1e-12)
        // At the default threshold (0.75) even equal names cannot reach it: the names are skipped.
        let pruning = FuzzyMatcher.PairScorer(configuration: FuzzyMatcher.Configuration(), prepared: prepared)
        let bound = prepared.scalars.withUnsafeBufferPointer { pruning.score(0, 1, scalars: $0) }
        #expect(abs(bound - 4.0 / 9) < 1e-12)
    }

    @Test func oversizedBlocksAreSkippedAndReported() {
        let records = (0..<6).map {
            MatchRecord(id: "C\($0)", firstName: "Anna", lastName: "Schmidt", postalCode: "10115", city: "Berlin")
        }
        var configuration = FuzzyMatcher.Configuration()
        configuration.blockingKeys = [.postalCode]
        configuration.maximumBlockSize = 5
        let result = FuzzyMatcher(configuration: configuration).match(records)
        #expect(result.skippedBlocks == [SkippedBlock(key: "postal_code", value: "10115", size: 6)])
        #expect(result.statistics.blocksSkipped == 1)
        #expect(result.statistics.comparisons == 0)
        #expect(result.groups.isEmpty)
    }

    @Test func mergesBeyondTheGroupCapAreRefusedAndReported() {
        let records = (0..<4).map { MatchRecord(id: "C\($0)", email: "family@web.de") }
        var configuration = FuzzyMatcher.Configuration()
        configuration.maximumGroupSize = 3
        let result = FuzzyMatcher(configuration: configuration).match(records)
        #expect(result.groups == [[0, 1, 2]])
        #expect(result.refusedMerges == [MatchPair(first: 0, second: 3, score: 1, rule: "email")])
        #expect(result.statistics.mergesRefused == 1)
        #expect(result.statistics.pairsFound == 3)
    }

    @Test func pairsSharingSeveralBlocksAreComparedOnce() {
        let records = [
            MatchRecord(id: "A", phone: "+491711234567", firstName: "Anna", lastName: "Schmidt", postalCode: "10115"),
            MatchRecord(id: "B", phone: "+491711234567", firstName: "Anna", lastName: "Schmitt", postalCode: "10115"),
        ]
        var configuration = FuzzyMatcher.Configuration()
        configuration.blockingKeys = [.postalCode, .lastNamePhonetic, .phone]
        configuration.exactRules = []
        let result = FuzzyMatcher(configuration: configuration).match(records)
        #expect(result.statistics.comparisons == 1)
        #expect(result.groups == [[0, 1]])
    }

    @Test func resultDoesNotDependOnParallelism() {
        let first = ["Anna", "Jürgen", "Thomas", "Marie", "Lukas"]
        let last = ["Müller", "Schmidt", "Meyer", "Meier", "Schmitt", "Weiß"]
        var records: [MatchRecord] = []
        for index in 0..<600 {
            let postal = String(10_115 + index % 7)
            let name = last[index % last.count]
            records.append(
                MatchRecord(
                    id: "C\(index)", email: index % 11 == 0 ? "shared\(index % 3)@web.de" : nil,
                    firstName: first[index % first.count], lastName: index % 13 == 0 ? name + "n" : name,
                    postalCode: postal, city: "Berlin", birthDate: birth + Int32(index % 9)))
        }
        var serial = FuzzyMatcher.Configuration()
        serial.parallelism = 1
        var parallel = FuzzyMatcher.Configuration()
        parallel.parallelism = 4
        #expect(
            FuzzyMatcher(configuration: serial).match(records) == FuzzyMatcher(configuration: parallel).match(records))
    }

    @Test func blockingKeysUseColognePhoneticForGermanAndSoundexOtherwise() {
        let matcher = FuzzyMatcher()
        let german = MatchRecord(id: "A", lastName: "Müller", country: "DE", birthDate: 0)
        let french = MatchRecord(id: "B", lastName: "Lefèvre", country: "FR")
        #expect(matcher.blockingValue(of: german, key: .lastNamePhoneticAndBirthDate) == "657|0")
        #expect(matcher.blockingValue(of: french, key: .lastNamePhonetic) == "L116")
        #expect(matcher.blockingValue(of: french, key: .lastNamePhoneticAndBirthDate) == nil)
    }

    @Test func exactRuleHelpersGroupEqualNonEmptyKeys() {
        let keys: [String?] = ["a@x.de", nil, "b@x.de", "a@x.de", "", "b@x.de", "a@x.de", "c@x.de"]
        #expect(ExactMatch.groups(byKey: keys) == [[0, 3, 6], [2, 5]])
        #expect(ExactMatch.pairs(byKey: keys).map { [$0.0, $0.1] } == [[0, 3], [0, 6], [2, 5]])
    }
}
