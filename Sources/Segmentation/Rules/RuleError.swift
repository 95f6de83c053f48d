/// An error in a rule segment definition, or a mismatch between a rule set and the data it runs on.
///
/// The description names the rule and the 1-based column (in characters) of the offending token:
/// `rule "VIP", column 1: unknown feature "monetry_total" (did you mean monetary_total?)`.
public struct RuleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A category of rule error; new categories may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case syntax, unknownFeature, typeMismatch, tooComplex, invalidConfiguration, datasetMismatch
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The condition is not well formed: an unexpected or missing token, an unterminated string,
        /// a number out of range.
        public static let syntax = Code(.syntax)
        /// The condition names a feature that the schema does not have.
        public static let unknownFeature = Code(.unknownFeature)
        /// Values of incompatible types are compared, or a value stands where a condition is needed.
        public static let typeMismatch = Code(.typeMismatch)
        /// The condition is nested deeper than ``RuleExpression/maximumDepth``.
        public static let tooComplex = Code(.tooComplex)
        /// The rule set itself is invalid: an empty or duplicate segment name, no default segment.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The dataset does not provide a feature the rules use, with the type they were checked against,
        /// or its columns differ in length.
        public static let datasetMismatch = Code(.datasetMismatch)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong and how to fix it, without the rule name and column.
    public let message: String
    /// The name of the rule (segment) concerned, if any.
    public let rule: String?
    /// The 1-based column, counted in characters of the rule's condition, if the error has a position.
    public let column: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, rule: String? = nil, column: Int? = nil) {
        self.code = code
        self.message = message
        self.rule = rule
        self.column = column
    }

    public var description: String {
        var place: [String] = []
        if let rule { place.append("rule \"\(rule)\"") }
        if let column { place.append("column \(column)") }
        return place.isEmpty ? message : "\(place.joined(separator: ", ")): \(message)"
    }

    /// The same error attributed to `rule`.
    func naming(_ rule: String) -> RuleError {
        RuleError(code, message, rule: rule, column: column)
    }
}
