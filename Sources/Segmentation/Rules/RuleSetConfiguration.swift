/// The `rules:` section of a pipeline file: segments in priority order and the default segment.
///
/// ```yaml
/// rules:
///   default: Regular
///   segments:
///     - {name: Reactivate, when: "recency_days > 180"}
///     - {name: VIP, when: "monetary_total >= 1000 and frequency >= 5"}
/// ```
public struct RuleSetConfiguration: Codable, Sendable, Hashable {
    /// One rule segment: its name and the condition (`when`) that puts a customer in it.
    public struct Segment: Codable, Sendable, Hashable {
        /// The segment's name, shown as the customer's rule segment.
        public var name: String
        /// The condition, in the rule language (see ``RuleExpression``).
        public var when: String

        /// Creates a segment definition.
        public init(name: String, when: String) {
            self.name = name
            self.when = when
        }
    }

    /// The segment of customers that no rule matches.
    public var defaultSegment: String
    /// The rule segments, highest priority first: a customer goes to the first one whose condition holds.
    public var segments: [Segment]

    enum CodingKeys: String, CodingKey {
        case defaultSegment = "default"
        case segments
    }

    /// Creates a configuration.
    public init(defaultSegment: String, segments: [Segment]) {
        self.defaultSegment = defaultSegment
        self.segments = segments
    }
}
