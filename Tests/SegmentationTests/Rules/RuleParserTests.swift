import Testing

@testable import Segmentation

@Suite struct RuleParserTests {
    @Test(arguments: [
        ("recency_days > 180", "(recency_days > 180)"),
        ("monetary_total >= 1000 and frequency >= 5", "((monetary_total >= 1000) and (frequency >= 5))"),
        ("x = 1", "(x = 1)"),
        ("x == 1", "(x = 1)"),
        ("x != 1", "(x != 1)"),
        ("x <> 1", "(x != 1)"),
        ("x < 1", "(x < 1)"),
        ("x <= 1", "(x <= 1)"),
        ("x>=-2.5", "(x >= -2.5)"),
        ("x > .5", "(x > 0.5)"),
        ("x > 0.5", "(x > 0.5)"),
        ("1000 <= x", "(1000 <= x)"),
        ("country = 'DE'", "(country = 'DE')"),
        ("country = \"DE\"", "(country = 'DE')"),
        ("name = 'O''Brien'", "(name = 'O''Brien')"),
        ("name = \"say \"\"hi\"\"\"", "(name = 'say \"hi\"')"),
        ("city = 'Zürich 東京 🚀'", "(city = 'Zürich 東京 🚀')"),
        ("x between 1 and 5", "(x between 1 and 5)"),
        ("x not between 1 and 5", "(x not between 1 and 5)"),
        ("country in ('DE', 'AT')", "(country in ('DE', 'AT'))"),
        ("country not in ('DE')", "(country not in ('DE'))"),
        ("x in (1, 2.5, -3)", "(x in (1, 2.5, -3))"),
        ("x is null", "(x is null)"),
        ("x is not null", "(x is not null)"),
        ("flag", "flag"),
        ("flag = true", "(flag = true)"),
        ("not flag", "(not flag)"),
        ("NOT flag AND x > 1 Or y IS NULL", "(((not flag) and (x > 1)) or (y is null))"),
        ("true", "true"),
        ("((x > 1))", "(x > 1)"),
    ])
    func parsesEveryConstruct(text: String, rendering: String) throws {
        #expect(try RuleExpression.parse(text).description == rendering)
    }

    @Test(arguments: [
        ("a or b and c", "(a or (b and c))"),
        ("a and b or c", "((a and b) or c)"),
        ("not a and b", "((not a) and b)"),
        ("not a or b", "((not a) or b)"),
        ("a and not b or not c and d", "((a and (not b)) or ((not c) and d))"),
        ("(a or b) and c", "((a or b) and c)"),
        ("not (a or b)", "(not (a or b))"),
        ("not x > 5", "(not (x > 5))"),
        ("not not a", "(not (not a))"),
        ("a or b or c", "(a or b or c)"),
        ("x between 1 and 5 and y = 2", "((x between 1 and 5) and (y = 2))"),
        ("a and b and c or d", "((a and b and c) or d)"),
    ])
    func precedenceIsNotThenAndThenOr(text: String, rendering: String) throws {
        #expect(try RuleExpression.parse(text).description == rendering)
    }

    @Test func nodesCarryTheirColumns() throws {
        let expression = try RuleExpression.parse("a > 1 and b between 2 and 3")
        guard case .and(let operands) = expression.kind else {
            Issue.record("expected an and node, got \(expression)")
            return
        }
        #expect(expression.column == 7)
        #expect(operands.map(\.column) == [3, 13])
        #expect(expression.features == ["a", "b"])
    }

    @Test func hugeButFiniteNumbersParse() throws {
        let digits = String(repeating: "9", count: 300)
        #expect(try RuleExpression.parse("x < \(digits)").description == "(x < 1e+300)")
    }

    @Test func longFlatChainsDoNotRecurse() throws {
        let text = Array(repeating: "x > 1", count: 20_000).joined(separator: " and ")
        let expression = try RuleExpression.parse(text)
        guard case .and(let operands) = expression.kind else {
            Issue.record("expected an and node")
            return
        }
        #expect(operands.count == 20_000)
    }

    @Test func nestingUpToTheLimitParses() throws {
        let depth = RuleExpression.maximumDepth
        let text = String(repeating: "(", count: depth) + "x > 1" + String(repeating: ")", count: depth)
        #expect(try RuleExpression.parse(text).description == "(x > 1)")
    }
}
