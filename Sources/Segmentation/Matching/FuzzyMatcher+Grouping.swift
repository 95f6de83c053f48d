extension FuzzyMatcher {
    /// Disjoint sets over record positions with path halving, union by size and a cap on set size.
    struct GroupSets {
        private var parent: [Int]
        private var size: [Int]

        /// The outcome of a guarded union.
        enum UnionOutcome {
            case merged, alreadyTogether, refused
        }

        init(count: Int) {
            parent = Array(0..<count)
            size = Array(repeating: 1, count: count)
        }

        /// The representative of `element`'s set.
        mutating func find(_ element: Int) -> Int {
            var current = element
            while parent[current] != current {
                parent[current] = parent[parent[current]]
                current = parent[current]
            }
            return current
        }

        /// Joins the sets of `a` and `b` unless the joined set would have more than `maximumSize` members.
        mutating func union(_ a: Int, _ b: Int, maximumSize: Int) -> UnionOutcome {
            var rootA = find(a)
            var rootB = find(b)
            guard rootA != rootB else { return .alreadyTogether }
            guard size[rootA] + size[rootB] <= maximumSize else { return .refused }
            if size[rootA] < size[rootB] || (size[rootA] == size[rootB] && rootB < rootA) { swap(&rootA, &rootB) }
            parent[rootB] = rootA
            size[rootA] += size[rootB]
            return .merged
        }

        /// Sets of at least two members, members ascending, ordered by first member.
        mutating func groups() -> [[Int]] {
            var slot = [Int](repeating: -1, count: parent.count)
            var groups: [[Int]] = []
            for element in parent.indices {
                let root = find(element)
                guard size[root] > 1 else { continue }
                if slot[root] < 0 {
                    slot[root] = groups.count
                    groups.append([])
                }
                groups[slot[root]].append(element)
            }
            return groups
        }
    }
}
