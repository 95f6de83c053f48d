/// The type of a feature that rules can test.
public enum RuleFeatureType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A number (`Double`), possibly missing: compared with `<`, `between`, `in (1, 2)`, ….
    case numeric
    /// Text, possibly missing: compared with `=`, `in ('DE', 'AT')`, or ordered by Unicode code points.
    case text
    /// A Boolean, possibly missing: usable as a condition on its own (`unsubscribed`) or compared with
    /// `true`/`false`.
    case boolean

    public var description: String { rawValue }
}
