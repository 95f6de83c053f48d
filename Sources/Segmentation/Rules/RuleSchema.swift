/// The features rules may mention, with their types; rules are checked against it before any data is read.
///
/// ```swift
/// let schema = RuleSchema(["recency_days": .numeric, "country": .text, "unsubscribed": .boolean])
/// ```
public struct RuleSchema: Sendable, Hashable {
    /// The type of each feature, by name.
    public let features: [String: RuleFeatureType]

    /// Creates a schema from feature names and types.
    public init(_ features: [String: RuleFeatureType]) {
        self.features = features
    }

    /// The type of the named feature, or nil when the schema has no such feature.
    public subscript(name: String) -> RuleFeatureType? { features[name] }

    /// The known feature closest to `name` by edit distance (ignoring case), if one is close enough to be a
    /// plausible typo: at most a third of the name's length, and at least 1 and at most 3 edits; ties go to
    /// the alphabetically first name.
    public func suggestion(for name: String) -> String? {
        let target = Array(name.lowercased().unicodeScalars)
        let limit = min(3, max(1, target.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in features.keys.sorted() {
            let distance = Self.editDistance(target, Array(candidate.lowercased().unicodeScalars))
            if distance <= limit, distance < best?.distance ?? Int.max {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// The Levenshtein distance (insertions, deletions, substitutions) between two scalar sequences.
    static func editDistance(_ left: [Unicode.Scalar], _ right: [Unicode.Scalar]) -> Int {
        if left.isEmpty { return right.count }
        if right.isEmpty { return left.count }
        var previous = Array(0...right.count)
        var current = [Int](repeating: 0, count: right.count + 1)
        for (i, leftScalar) in left.enumerated() {
            current[0] = i + 1
            for (j, rightScalar) in right.enumerated() {
                let substitution = previous[j] + (leftScalar == rightScalar ? 0 : 1)
                current[j + 1] = min(substitution, previous[j + 1] + 1, current[j] + 1)
            }
            swap(&previous, &current)
        }
        return previous[right.count]
    }
}
