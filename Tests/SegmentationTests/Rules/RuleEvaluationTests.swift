import Testing

@testable import Segmentation

@Suite struct RuleEvaluationTests {
    /// Six customers; nil is a missing value.
    static func dataset() throws -> RuleDataset {
        var dataset = RuleDataset(rowCount: 6)
        try dataset.addNumeric("recency_days", [10, 200, nil, 400, 90, 181])
        try dataset.addNumeric("frequency", [5, 1, 3, nil, 10, 5])
        try dataset.addNumeric("monetary_total", [1500, 50, 2000, 999.99, 1000, nil])
        try dataset.addText("country", ["DE", "AT", nil, "FR", "de", "CH"])
        try dataset.addText("city", ["Zürich", "Zu\u{308}rich", "東京", "🚀", "", nil])
        try dataset.addBoolean("unsubscribed", [false, true, nil, false, true, nil])
        return dataset
    }

    /// The rows that a single rule with `condition` matches.
    static func matchingRows(_ condition: String, in dataset: RuleDataset) throws -> [Int] {
        let rules = try RuleSet(
            RuleSetConfiguration(defaultSegment: "Rest", segments: [.init(name: "Rule", when: condition)]),
            schema: dataset.schema)
        let assignment = try rules.assign(dataset)
        return assignment.segmentIndexPerRow.indices.filter { assignment.segmentIndexPerRow[$0] == 0 }
    }

    @Test(arguments: [
        ("recency_days > 180", [1, 3, 5]),
        ("180 < recency_days", [1, 3, 5]),
        ("recency_days >= 400", [3]),
        ("recency_days = 90", [4]),
        ("recency_days != 90", [0, 1, 3, 5]),
        ("recency_days between 90 and 200", [1, 4, 5]),
        ("recency_days not between 90 and 200", [0, 3]),
        ("recency_days between 200 and 90", []),
        ("frequency in (1, 5)", [0, 1, 5]),
        ("frequency not in (1, 5)", [2, 4]),
        ("frequency < recency_days", [0, 1, 4, 5]),
        ("monetary_total >= 1000 and frequency >= 5", [0, 4]),
        ("country = 'DE'", [0]),
        ("country == \"DE\"", [0]),
        ("country != 'DE'", [1, 3, 4, 5]),
        ("country < 'D'", [1, 5]),
        ("country in ('DE', 'AT')", [0, 1]),
        ("country not in ('DE', 'AT')", [3, 4, 5]),
        ("country between 'A' and 'D'", [1, 5]),
        ("country = country", [0, 1, 3, 4, 5]),
        ("country < city", [0, 1, 3]),
        ("city = 'Zürich'", [0, 1]),
        ("city in ('東京', '🚀')", [2, 3]),
        ("city = ''", [4]),
        ("unsubscribed", [1, 4]),
        ("unsubscribed = true", [1, 4]),
        ("unsubscribed = false", [0, 3]),
        ("unsubscribed != true", [0, 3]),
        ("true = unsubscribed", [1, 4]),
        ("unsubscribed in (true)", [1, 4]),
        ("unsubscribed in (false, true)", [0, 1, 3, 4]),
        ("unsubscribed not in (true)", [0, 3]),
        ("1 < 2", [0, 1, 2, 3, 4, 5]),
        ("'a' = 'b'", []),
        ("5 in (1, 5)", [0, 1, 2, 3, 4, 5]),
        ("5 is null", []),
        ("false", []),
    ])
    func comparisonsBetweenAndIn(condition: String, rows: [Int]) throws {
        #expect(try Self.matchingRows(condition, in: Self.dataset()) == rows)
    }

    @Test(arguments: [
        // A comparison with a missing value is unknown, and unknown does not match …
        ("recency_days > 180", [1, 3, 5]),
        ("recency_days <= 180", [0, 4]),
        // … even when negated (SQL: NOT UNKNOWN is UNKNOWN).
        ("not (recency_days > 180)", [0, 4]),
        ("not not (recency_days > 180)", [1, 3, 5]),
        // is null / is not null are never unknown.
        ("recency_days is null", [2]),
        ("recency_days is not null", [0, 1, 3, 4, 5]),
        ("not (recency_days is null)", [0, 1, 3, 4, 5]),
        ("recency_days > 180 or recency_days is null", [1, 2, 3, 5]),
        ("country is null", [2]),
        ("city is null", [5]),
        ("unsubscribed is null", [2, 5]),
        ("unsubscribed is not null", [0, 1, 3, 4]),
        // Kleene logic: false and unknown = false; true or unknown = true; otherwise unknown.
        ("false and recency_days > 180", []),
        ("not (recency_days > 180 and false)", [0, 1, 2, 3, 4, 5]),
        ("true or recency_days > 180", [0, 1, 2, 3, 4, 5]),
        ("recency_days > 180 or true", [0, 1, 2, 3, 4, 5]),
        ("not (recency_days > 180 or false)", [0, 4]),
        ("not (recency_days > 180 and true)", [0, 4]),
        // A condition's own unknown can be tested and compared.
        ("(recency_days > 180) is null", [2]),
        ("(recency_days > 180) = unsubscribed", [0, 1]),
        ("(recency_days > 180) != unsubscribed", [3, 4]),
        ("not unsubscribed", [0, 3]),
        // Missing on either side of a feature-to-feature comparison is unknown.
        ("not (frequency < recency_days)", []),
        ("monetary_total >= 1000 and frequency >= 5", [0, 4]),
        ("not (monetary_total >= 1000 and frequency >= 5)", [1, 2, 3]),
    ])
    func missingValuesFollowThreeValuedLogic(condition: String, rows: [Int]) throws {
        #expect(try Self.matchingRows(condition, in: Self.dataset()) == rows)
    }

    @Test func nanCountsAsMissing() throws {
        var dataset = RuleDataset(rowCount: 3)
        try dataset.addNumeric("x", [1, .nan, 3], isPresent: [true, true, false])
        #expect(try Self.matchingRows("x is null", in: dataset) == [1, 2])
        #expect(try Self.matchingRows("x != 5", in: dataset) == [0])
    }

    @Test func dictionaryEncodedAndPlainTextAgree() throws {
        var plain = RuleDataset(rowCount: 5)
        try plain.addText("country", ["DE", "AT", "DE", "", "FR"], isPresent: [true, true, true, false, true])
        var encoded = RuleDataset(rowCount: 5)
        try encoded.addText("country", codes: [2, 1, 2, -1, 0], dictionary: ["FR", "AT", "DE", "unused"])
        var masked = RuleDataset(rowCount: 5)
        try masked.addText(
            "country", codes: [2, 1, 2, 3, 0], dictionary: ["FR", "AT", "DE", "XX"],
            isPresent: [true, true, true, false, true])
        for condition in ["country = 'DE'", "country in ('AT', 'FR')", "country is null", "country >= 'DE'"] {
            let expected = try Self.matchingRows(condition, in: plain)
            #expect(try Self.matchingRows(condition, in: encoded) == expected, "\(condition)")
            #expect(try Self.matchingRows(condition, in: masked) == expected, "\(condition)")
        }
        #expect(try Self.matchingRows("country is null", in: plain) == [3])
    }

    @Test func firstMatchWinsAndAloneCountsIgnorePriority() throws {
        let configuration = RuleSetConfiguration(
            defaultSegment: "Regular",
            segments: [
                .init(name: "Reactivate", when: "recency_days > 180"),
                .init(name: "VIP", when: "monetary_total >= 1000 and frequency >= 5"),
                .init(name: "Lapsed", when: "recency_days > 90"),
                .init(name: "DACH", when: "country in ('DE', 'CH')"),
            ])
        let dataset = try Self.dataset()
        let assignment = try RuleSet(configuration, schema: dataset.schema).assign(dataset)
        #expect(assignment.segmentNames == ["Reactivate", "VIP", "Lapsed", "DACH", "Regular"])
        #expect(assignment.segmentIndexPerRow == [1, 0, 4, 0, 1, 0])
        #expect(assignment.segmentNamePerRow == ["VIP", "Reactivate", "Regular", "Reactivate", "VIP", "Reactivate"])
        #expect(assignment.countsFirstMatch == [3, 2, 0, 0, 1])
        #expect(assignment.countsAlone == [3, 2, 3, 2])
        #expect(assignment.defaultSegmentIndex == 4)

        var reordered = configuration
        reordered.segments.swapAt(0, 2)
        let lapsedFirst = try RuleSet(reordered, schema: dataset.schema).assign(dataset)
        #expect(lapsedFirst.segmentNames == ["Lapsed", "VIP", "Reactivate", "DACH", "Regular"])
        #expect(lapsedFirst.countsFirstMatch == [3, 2, 0, 0, 1])
        #expect(lapsedFirst.countsAlone == [3, 2, 3, 2])
    }

    @Test func noRulesOrNoRowsGiveTheDefault() throws {
        let dataset = try Self.dataset()
        let none = try RuleSet(RuleSetConfiguration(defaultSegment: "All", segments: []), schema: dataset.schema)
            .assign(dataset)
        #expect(none.segmentIndexPerRow == [0, 0, 0, 0, 0, 0])
        #expect(none.countsFirstMatch == [6])
        #expect(none.countsAlone == [])

        var empty = RuleDataset(rowCount: 0)
        try empty.addNumeric("x", [])
        let rules = try RuleSet(
            RuleSetConfiguration(defaultSegment: "All", segments: [.init(name: "Big", when: "x > 1")]),
            schema: empty.schema)
        let result = try rules.assign(empty)
        #expect(result.segmentIndexPerRow.isEmpty)
        #expect(result.countsFirstMatch == [0, 0])
        #expect(result.countsAlone == [0])
    }

    @Test(arguments: [1, 2047, 2048, 2049, 5000])
    func blocksCoverEveryRow(rowCount: Int) throws {
        let x = (0..<rowCount).map { Double($0 % 7) }
        let y = (0..<rowCount).map { Double($0 % 5) }
        let present = (0..<rowCount).map { $0 % 11 != 0 }
        let codes = (0..<rowCount).map { Int32($0 % 3) }
        let other = (0..<rowCount).map { Int32($0 % 4) - 1 }
        var dataset = RuleDataset(rowCount: rowCount)
        try dataset.addNumeric("x", x, isPresent: present)
        try dataset.addNumeric("y", y)
        try dataset.addText("country", codes: codes, dictionary: ["DE", "AT", "FR"])
        try dataset.addText("origin", codes: other, dictionary: ["AT", "FR", "DE"])
        try dataset.addBoolean("flag", (0..<rowCount).map { $0 % 2 == 0 })
        let configuration = RuleSetConfiguration(
            defaultSegment: "Rest",
            segments: [
                .init(name: "A", when: "x >= 3 and country != 'AT' or x is null"),
                .init(name: "B", when: "y in (1, 4) and not flag"),
                .init(name: "C", when: "x < y or country = origin"),
            ])
        let assignment = try RuleSet(configuration, schema: dataset.schema).assign(dataset)
        let countries = ["DE", "AT", "FR"]
        let origins = ["AT", "FR", "DE"]
        var expected: [Int32] = []
        var alone = [0, 0, 0]
        for row in 0..<rowCount {
            let a = !present[row] || (x[row] >= 3 && codes[row] != 1)
            let b = (y[row] == 1 || y[row] == 4) && row % 2 != 0
            let sameCountry = other[row] >= 0 && countries[Int(codes[row])] == origins[Int(other[row])]
            let c = (present[row] && x[row] < y[row]) || sameCountry
            for (index, isMatch) in [a, b, c].enumerated() where isMatch { alone[index] += 1 }
            expected.append(a ? 0 : b ? 1 : c ? 2 : 3)
        }
        #expect(assignment.segmentIndexPerRow == expected)
        #expect(assignment.countsAlone == alone)
        #expect(assignment.countsFirstMatch.reduce(0, +) == rowCount)
    }

    @Test func benchmarkDatasetRunsAtSmallScale() throws {
        let measurement = try RuleBenchmark.run(rows: 10_000, repeats: 1)
        #expect(measurement.countsFirstMatch.reduce(0, +) == 10_000)
        #expect(measurement.countsAlone.count == 5)
    }
}
