import Foundation

/// A parsed rule condition: a syntax tree whose nodes carry the column they were written at.
///
/// ```swift
/// let expression = try RuleExpression.parse("monetary_total >= 1000 and frequency >= 5")
/// print(expression) // ((monetary_total >= 1000) and (frequency >= 5))
/// ```
///
/// Grammar (keywords in any case; `not` binds tighter than `and`, which binds tighter than `or`;
/// comparisons bind tighter than `not`, as in SQL):
///
///     condition  := or
///     or         := and ("or" and)*
///     and        := not ("and" not)*
///     not        := "not" not | predicate
///     predicate  := operand [ comparison operand
///                           | ["not"] "between" operand "and" operand
///                           | ["not"] "in" "(" literal ("," literal)* ")"
///                           | "is" ["not"] "null" ]
///     operand    := number | string | "true" | "false" | feature | "(" condition ")"
///     comparison := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
public struct RuleExpression: Sendable, Hashable, CustomStringConvertible {
    /// How deeply parentheses and `not` may nest before a condition is rejected as too complex.
    public static let maximumDepth = 100

    /// The shape of a node.
    public indirect enum Kind: Sendable, Hashable {
        /// A number literal.
        case number(Double)
        /// A string literal.
        case text(String)
        /// `true` or `false`.
        case boolean(Bool)
        /// A feature name.
        case feature(String)
        /// `left op right`.
        case comparison(ComparisonOperator, RuleExpression, RuleExpression)
        /// `value [not] between low and high` (inclusive on both ends).
        case between(RuleExpression, low: RuleExpression, high: RuleExpression, isNegated: Bool)
        /// `value [not] in (list)`; the list holds literals only.
        case membership(RuleExpression, [RuleExpression], isNegated: Bool)
        /// `value is [not] null`.
        case nullTest(RuleExpression, isNegated: Bool)
        /// `not condition`.
        case not(RuleExpression)
        /// `a and b and …` (two or more operands).
        case and([RuleExpression])
        /// `a or b or …` (two or more operands).
        case or([RuleExpression])
    }

    /// The shape of this node.
    public let kind: Kind
    /// The 1-based column of the token that names this node: a literal or feature's first character,
    /// a comparison's operator, the first `and`/`or`, or the `not`, `between`, `in` or `is` keyword.
    public let column: Int

    /// Creates a node.
    public init(_ kind: Kind, column: Int) {
        self.kind = kind
        self.column = column
    }

    /// Parses a condition, without checking feature names or types.
    /// - Throws: ``RuleError`` with code `syntax` or `tooComplex`, carrying the column but no rule name.
    public static func parse(_ text: String) throws(RuleError) -> RuleExpression {
        var parser = RuleParser(tokens: try RuleLexer.tokens(of: text))
        return try parser.parseCondition()
    }

    /// A fully parenthesised rendering such as `((a > 1) or ((b = 'x') and (not c)))`.
    public var description: String {
        switch kind {
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .text(let value):
            return "'\(value.replacingOccurrences(of: "'", with: "''"))'"
        case .boolean(let value):
            return value ? "true" : "false"
        case .feature(let name):
            return name
        case .comparison(let op, let left, let right):
            return "(\(left) \(op) \(right))"
        case .between(let value, let low, let high, let isNegated):
            return "(\(value) \(isNegated ? "not between" : "between") \(low) and \(high))"
        case .membership(let value, let list, let isNegated):
            let items = list.map(\.description).joined(separator: ", ")
            return "(\(value) \(isNegated ? "not in" : "in") (\(items)))"
        case .nullTest(let value, let isNegated):
            return "(\(value) \(isNegated ? "is not null" : "is null"))"
        case .not(let operand):
            return "(not \(operand))"
        case .and(let operands):
            return "(\(operands.map(\.description).joined(separator: " and ")))"
        case .or(let operands):
            return "(\(operands.map(\.description).joined(separator: " or ")))"
        }
    }

    /// The names of all features the condition mentions, in order of first appearance.
    public var features: [String] {
        var names: [String] = []
        var seen: Set<String> = []
        func visit(_ node: RuleExpression) {
            switch node.kind {
            case .number, .text, .boolean: break
            case .feature(let name):
                if seen.insert(name).inserted { names.append(name) }
            case .comparison(_, let left, let right):
                visit(left)
                visit(right)
            case .between(let value, let low, let high, _):
                visit(value)
                visit(low)
                visit(high)
            case .membership(let value, let list, _):
                visit(value)
                list.forEach(visit)
            case .nullTest(let value, _), .not(let value):
                visit(value)
            case .and(let operands), .or(let operands):
                operands.forEach(visit)
            }
        }
        visit(self)
        return names
    }
}
