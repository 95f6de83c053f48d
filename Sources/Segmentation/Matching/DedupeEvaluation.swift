/// Pairwise quality of a deduplication against known truth.
public enum DedupeEvaluation {
    /// Pairwise precision, recall and F1.
    public struct Scores: Hashable, Sendable {
        /// True pairs among predicted pairs (1 when nothing was predicted).
        public var precision: Double
        /// Predicted pairs among true pairs (1 when there are no true pairs).
        public var recall: Double
        /// The harmonic mean of precision and recall (0 when both are 0).
        public var f1: Double
        /// Pairs in the same predicted group and the same truth group.
        public var truePairs: Int
        /// Pairs in the same predicted group.
        public var predictedPairs: Int
        /// Pairs in the same truth group.
        public var truthPairs: Int
    }

    /// Compares groups of record ids: a pair counts when both records share a group.
    ///
    /// Ids missing from every truth group are singletons in the truth; groups of one add no pairs.
    /// - Complexity: O(Σ group sizes).
    public static func pairwise(predictedGroups: [[String]], truthGroups: [[String]]) -> Scores {
        var truthGroupOf: [String: Int] = [:]
        var truthPairs = 0
        for (index, group) in truthGroups.enumerated() {
            let members = Set(group)
            truthPairs += members.count * (members.count - 1) / 2
            for id in members { truthGroupOf[id] = index }
        }
        var predictedPairs = 0
        var truePairs = 0
        for group in predictedGroups {
            let members = Set(group)
            predictedPairs += members.count * (members.count - 1) / 2
            var perTruthGroup: [Int: Int] = [:]
            for id in members {
                if let truth = truthGroupOf[id] { perTruthGroup[truth, default: 0] += 1 }
            }
            for count in perTruthGroup.values { truePairs += count * (count - 1) / 2 }
        }
        let precision = predictedPairs == 0 ? 1 : Double(truePairs) / Double(predictedPairs)
        let recall = truthPairs == 0 ? 1 : Double(truePairs) / Double(truthPairs)
        let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        return Scores(
            precision: precision, recall: recall, f1: f1, truePairs: truePairs, predictedPairs: predictedPairs,
            truthPairs: truthPairs)
    }
}
