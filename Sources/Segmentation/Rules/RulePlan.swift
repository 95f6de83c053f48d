/// A type-checked condition with features resolved by type, ready to be bound to a dataset.
///
/// Every node evaluates to a truth value per row in SQL's three-valued logic, encoded as a byte:
/// ``no`` (0), ``unknown`` (1), ``yes`` (2). With this order `and` is the minimum, `or` the maximum and
/// `not` is `2 − x`, so the kernels are branch-free.
indirect enum RulePlan: Sendable, Hashable {
    /// The same truth value for every row.
    case constant(UInt8)
    /// `feature op constant` over a numeric feature.
    case numericCompare(String, ComparisonOperator, Double)
    /// `feature op feature` over two numeric features.
    case numericCompareFeatures(String, ComparisonOperator, String)
    /// A numeric feature equals one of the values.
    case numericIn(String, [Double])
    /// A numeric feature is missing (never unknown).
    case numericIsNull(String)
    /// `feature op constant` over a text feature.
    case textCompare(String, ComparisonOperator, String)
    /// `feature op feature` over two text features.
    case textCompareFeatures(String, ComparisonOperator, String)
    /// A text feature equals one of the values.
    case textIn(String, Set<String>)
    /// A text feature is missing (never unknown).
    case textIsNull(String)
    /// A Boolean feature's value.
    case boolean(String)
    /// A truth value mapped through a table indexed by no, unknown, yes (`not` is `[2, 1, 0]`).
    case map(RulePlan, [UInt8])
    /// Whether two truth values are equal; unknown when either is unknown.
    case equal(RulePlan, RulePlan)
    /// The minimum of the operands (`and`).
    case all([RulePlan])
    /// The maximum of the operands (`or`).
    case any([RulePlan])

    /// The truth value false.
    static let no: UInt8 = 0
    /// The truth value unknown (SQL's NULL of a condition).
    static let unknown: UInt8 = 1
    /// The truth value true.
    static let yes: UInt8 = 2

    /// `not`: yes ↔ no, unknown stays unknown.
    static let negation: [UInt8] = [yes, unknown, no]
    /// `is null` applied to a truth value: yes exactly when unknown.
    static let unknownTest: [UInt8] = [no, yes, no]

    /// The plan for `not self`, folding constants and double negation.
    var negated: RulePlan {
        switch self {
        case .constant(let value): .constant(RulePlan.yes - value)
        case .map(let inner, let table) where table == RulePlan.negation: inner
        default: .map(self, RulePlan.negation)
        }
    }
}
