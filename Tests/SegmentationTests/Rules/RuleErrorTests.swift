import Testing

@testable import Segmentation

@Suite struct RuleErrorTests {
    static let schema = RuleSchema([
        "recency_days": .numeric, "frequency": .numeric, "monetary_total": .numeric,
        "country": .text, "unsubscribed": .boolean,
    ])

    /// The error from checking one rule named "VIP" with `condition`, or nil if it checks.
    static func error(_ condition: String) -> RuleError? {
        let configuration = RuleSetConfiguration(
            defaultSegment: "Regular", segments: [.init(name: "VIP", when: condition)])
        do {
            _ = try RuleSet(configuration, schema: schema)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("monetry_total >= 1000", 1, "unknown feature \"monetry_total\" (did you mean monetary_total?)"),
        (
            "frequency >= 5 and monetry_total >= 1000", 20,
            "unknown feature \"monetry_total\" (did you mean monetary_total?)"
        ),
        ("Recency_Days > 1", 1, "unknown feature \"Recency_Days\" (did you mean recency_days?)"),
        ("zzz > 1", 1, "unknown feature \"zzz\""),
    ])
    func unknownFeatureNamesTheRuleColumnAndSuggestion(condition: String, column: Int, message: String) throws {
        let error = try #require(Self.error(condition))
        #expect(error.code == .unknownFeature)
        #expect(error.description == "rule \"VIP\", column \(column): \(message)")
    }

    @Test(arguments: [
        ("country = 'DE", 11, "unterminated string (add the closing ')"),
        ("country = \"DE", 11, "unterminated string (add the closing \")"),
        ("recency_days >=", 16, "expected a value after \">=\""),
        ("recency_days > 180 and", 23, "expected a value after \"and\""),
        ("recency_days > 180 and )", 24, "expected a value after \"and\", found \")\""),
        (
            "recency_days > 180 days", 20,
            "unexpected \"days\" after a complete condition (join conditions with and/or)"
        ),
        (
            "(recency_days > 180", 20,
            "expected \")\" to close the \"(\" at column 1, found the end of the condition"
        ),
        ("recency_days > 180)", 19, "unmatched \")\""),
        ("", 1, "the condition is empty"),
        ("   ", 4, "the condition is empty"),
        ("()", 2, "expected a condition inside \"()\""),
        ("recency_days = null", 16, "null is not a value here; test for a missing value with \"is null\""),
        ("recency_days # 3", 14, "unexpected character \"#\""),
        ("recency_days ! 3", 14, "unexpected character \"!\" (use != for not equal, or not)"),
        ("recency_days between 1 5", 24, "expected \"and\" in \"between … and …\", found \"5\""),
        ("country in 'DE'", 12, "expected \"(\" after \"in\", found \"'DE'\" (write in ('DE', 'AT'))"),
        ("country in ('DE' 'AT')", 18, "expected \",\" or \")\" in the \"in\" list, found \"'AT'\""),
        (
            "country in ()", 13,
            "\"in\" lists only literal values (numbers, quoted text, true, false), found \")\""
        ),
        (
            "country in (recency_days)", 13,
            "\"in\" lists only literal values (numbers, quoted text, true, false), found \"recency_days\""
        ),
        ("country in (null)", 13, "null cannot be listed after \"in\"; test it with \"is null\""),
        ("country is nothing", 12, "expected \"null\" after \"is\", found \"nothing\""),
        ("country is not", 15, "expected \"null\" after \"is not\", found the end of the condition"),
        ("recency_days > 180days", 16, "malformed number \"180d\" (write numbers as 1000 or 0.5)"),
        ("recency_days > 1.2.3", 16, "malformed number \"1.2.\" (write numbers as 1000 or 0.5)"),
        (
            "recency_days > " + String(repeating: "9", count: 400), 16,
            "number 99999999999999999999… is out of range"
        ),
        ("frequency > not 3", 13, "\"not\" must come before a whole comparison (write not (a = b))"),
        ("recency_days > 180 -", 20, "unexpected character \"-\""),
    ])
    func syntaxErrorsNameTheColumn(condition: String, column: Int, message: String) throws {
        let error = try #require(Self.error(condition))
        #expect(error.code == .syntax)
        #expect(error.rule == "VIP")
        #expect(error.column == column)
        #expect(error.description == "rule \"VIP\", column \(column): \(message)")
    }

    @Test(arguments: [
        ("country = 5", 9, "comparing text country with a number"),
        ("5 = country", 3, "comparing a number with text country"),
        ("recency_days < 'x'", 14, "comparing numeric recency_days with a text value"),
        ("recency_days = country", 14, "comparing numeric recency_days with text country"),
        ("recency_days = unsubscribed", 14, "comparing numeric recency_days with boolean unsubscribed"),
        ("frequency in (1, '2')", 18, "comparing numeric frequency with a text value"),
        ("country between 1 and 'Z'", 9, "comparing text country with a number"),
        (
            "unsubscribed > true", 14,
            "\">\" cannot order boolean unsubscribed and a boolean; Booleans compare only with = and !="
        ),
        (
            "recency_days", 1,
            "expected a condition, but recency_days is a numeric feature (compare it, e.g. recency_days > 0)"
        ),
        (
            "unsubscribed and country", 18,
            "expected a condition, but country is a text feature (compare it, e.g. country = 'value')"
        ),
        ("not 5", 5, "expected a condition, found a number"),
        ("'yes' or unsubscribed", 1, "expected a condition, found a text value"),
    ])
    func typeErrorsNameTheColumn(condition: String, column: Int, message: String) throws {
        let error = try #require(Self.error(condition))
        #expect(error.code == .typeMismatch)
        #expect(error.description == "rule \"VIP\", column \(column): \(message)")
    }

    @Test func nestingBeyondTheLimitIsAnErrorNotACrash() throws {
        let parentheses = String(repeating: "(", count: 101) + "unsubscribed" + String(repeating: ")", count: 101)
        let deep = try #require(Self.error(parentheses))
        #expect(deep.code == .tooComplex)
        #expect(
            deep.description
                == "rule \"VIP\", column 101: the condition is nested more than 100 levels deep; simplify it")

        let nots = try #require(Self.error(String(repeating: "not ", count: 100_000) + "unsubscribed"))
        #expect(nots.code == .tooComplex)
        #expect(nots.column == 401)

        let unclosed = try #require(Self.error(String(repeating: "(", count: 1_000_000)))
        #expect(unclosed.code == .tooComplex)
    }

    @Test func hostileTextDoesNotCrash() throws {
        #expect(Self.error("country = '\u{0}\u{FEFF}🇩🇪 e\u{301}'") == nil)
        #expect(Self.error("country in (" + Array(repeating: "'x'", count: 10_000).joined(separator: ",") + ")") == nil)
        let error = try #require(Self.error("country = 'DE' and 🇩🇪"))
        #expect(error.description == "rule \"VIP\", column 20: unexpected character \"🇩🇪\"")
    }

    @Test func duplicateAndEmptySegmentNamesAreRejected() throws {
        func error(_ configuration: RuleSetConfiguration) -> RuleError? {
            do {
                _ = try RuleSet(configuration, schema: Self.schema)
                return nil
            } catch {
                return error
            }
        }
        let duplicate = try #require(
            error(
                RuleSetConfiguration(
                    defaultSegment: "Regular",
                    segments: [.init(name: "VIP", when: "frequency > 5"), .init(name: "VIP", when: "frequency > 9")])))
        #expect(duplicate.code == .invalidConfiguration)
        #expect(
            duplicate.description
                == "rule \"VIP\": the name is also used by another rule; combine the conditions with or, or rename one")
        let clash = try #require(
            error(RuleSetConfiguration(defaultSegment: "VIP", segments: [.init(name: "VIP", when: "frequency > 5")])))
        #expect(clash.message.contains("the default segment"))
        let empty = try #require(error(RuleSetConfiguration(defaultSegment: " ", segments: [])))
        #expect(empty.description == "the default segment needs a name (rules.default)")
        let unnamed = try #require(
            error(RuleSetConfiguration(defaultSegment: "Regular", segments: [.init(name: "", when: "unsubscribed")])))
        #expect(unnamed.description == "rule segment 1 needs a name")
    }

    @Test func datasetWithoutAFeatureOrWithAnotherTypeIsRejected() throws {
        let rules = try RuleSet(
            RuleSetConfiguration(defaultSegment: "Regular", segments: [.init(name: "DACH", when: "country = 'DE'")]),
            schema: Self.schema)
        var numericCountry = RuleDataset(rowCount: 1)
        try numericCountry.addNumeric("country", [1])
        #expect(
            throws: RuleError(
                .datasetMismatch,
                "feature \"country\" is numeric in the dataset, but the rules were checked with it as text",
                rule: "DACH")
        ) { try rules.assign(numericCountry) }
        #expect(throws: RuleError(.datasetMismatch, "the dataset has no feature \"country\"", rule: "DACH")) {
            try rules.assign(RuleDataset(rowCount: 1))
        }
    }

    @Test func datasetColumnsAreValidated() throws {
        var dataset = RuleDataset(rowCount: 2)
        #expect(throws: RuleError(.datasetMismatch, "feature \"x\": the column has 3 rows, expected 2")) {
            try dataset.addNumeric("x", [1, 2, 3])
        }
        let outside = RuleError(.datasetMismatch, "feature \"c\", row 1: code 2 is outside the dictionary of 2 values")
        #expect(throws: outside) {
            try dataset.addText("c", codes: [0, 2], dictionary: ["a", "b"])
        }
        try dataset.addBoolean("b", [true, false])
        #expect(throws: RuleError(.datasetMismatch, "feature \"b\" was added twice")) {
            try dataset.addBoolean("b", [true, false])
        }
    }
}
