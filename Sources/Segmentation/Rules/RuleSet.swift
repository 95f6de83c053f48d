/// Priority-ordered rule segments with a default: each customer goes to the first rule it matches.
///
/// Conditions are parsed and checked against a ``RuleSchema`` when the set is created, so a typo or a type
/// error is reported before any data is read. ``assign(_:)`` then evaluates every rule over whole columns.
///
/// ```swift
/// let rules = try RuleSet(
///     RuleSetConfiguration(defaultSegment: "Regular", segments: [
///         .init(name: "Reactivate", when: "recency_days > 180"),
///         .init(name: "VIP", when: "monetary_total >= 1000 and frequency >= 5"),
///     ]),
///     schema: dataset.schema)
/// let assignment = try rules.assign(dataset)
/// ```
///
/// ## Missing values
/// Evaluation follows SQL's three-valued logic. A comparison, `between` or `in` with a missing value is
/// *unknown*; `not unknown` is unknown; `false and unknown` is false, `true or unknown` is true, any other
/// combination with unknown is unknown. A rule matches a row only when its condition is *true*, so unknown
/// counts as not matching at the end: with `recency_days` missing, neither `recency_days > 180` nor
/// `not (recency_days > 180)` matches. `is null` / `is not null` are never unknown and test missing values
/// explicitly: `recency_days > 180 or recency_days is null`. NaN counts as missing.
public struct RuleSet: Sendable {
    /// One checked rule.
    public struct Rule: Sendable, Hashable {
        /// The segment name.
        public let name: String
        /// The condition as written.
        public let condition: String
        /// The parsed condition.
        public let expression: RuleExpression
        let plan: RulePlan
    }

    /// The rules, highest priority first.
    public let rules: [Rule]
    /// The segment of rows that no rule matches.
    public let defaultSegment: String
    /// The schema the rules were checked against.
    public let schema: RuleSchema

    /// Parses and checks rules against a schema.
    /// - Parameters:
    ///   - configuration: the default segment and the rules in priority order.
    ///   - schema: the features the rules may use.
    /// - Throws: ``RuleError`` naming the rule (and column) of the first problem: `syntax`, `tooComplex`,
    ///   `unknownFeature`, `typeMismatch`, or `invalidConfiguration` for an empty or duplicate segment name.
    public init(_ configuration: RuleSetConfiguration, schema: RuleSchema) throws(RuleError) {
        let defaultSegment = configuration.defaultSegment.trimmingWhitespace
        guard !defaultSegment.isEmpty else {
            throw RuleError(.invalidConfiguration, "the default segment needs a name (rules.default)")
        }
        var names: Set<String> = [defaultSegment]
        var rules: [Rule] = []
        for (position, segment) in configuration.segments.enumerated() {
            let name = segment.name.trimmingWhitespace
            guard !name.isEmpty else {
                throw RuleError(.invalidConfiguration, "rule segment \(position + 1) needs a name")
            }
            guard names.insert(name).inserted else {
                let other = name == defaultSegment ? "the default segment" : "another rule"
                throw RuleError(
                    .invalidConfiguration,
                    "the name is also used by \(other); combine the conditions with or, or rename one",
                    rule: name)
            }
            do {
                let expression = try RuleExpression.parse(segment.when)
                let plan = try RulePlan.check(expression, schema: schema)
                rules.append(Rule(name: name, condition: segment.when, expression: expression, plan: plan))
            } catch {
                throw error.naming(name)
            }
        }
        self.rules = rules
        self.defaultSegment = defaultSegment
        self.schema = schema
    }

    /// Segment names by index: the rules in priority order, then the default segment.
    public var segmentNames: [String] { rules.map(\.name) + [defaultSegment] }
}

extension String {
    /// The string without leading and trailing whitespace.
    fileprivate var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
