/// A hierarchical clustering in SciPy's linkage-matrix convention.
///
/// Row `i` of ``merges`` joins clusters `first` and `second` (`first < second`) at `height` into a cluster
/// of `size` observations (or total weight) whose id is `leafCount + i`; leaves are `0..<leafCount`.
/// Merges are sorted by height (stable), exactly as SciPy and fastcluster report them.
public struct Dendrogram: Sendable, Equatable {
    /// One agglomeration step.
    public struct Merge: Sendable, Equatable {
        /// The smaller cluster id.
        public let first: Int
        /// The larger cluster id.
        public let second: Int
        /// The linkage distance at which the two clusters merge.
        public let height: Double
        /// Observations (or total weight) in the merged cluster.
        public let size: Double
    }

    /// Number of observations.
    public let leafCount: Int
    /// The `leafCount − 1` merges, by increasing height.
    public let merges: [Merge]

    /// Builds the SciPy form from merges recorded as (any member of A, any member of B, height), in any order.
    ///
    /// - Complexity: O(n log n).
    init(leafCount: Int, recorded: [(Int, Int, Double)], leafWeights: [Double]?) {
        self.leafCount = leafCount
        // Stable sort by height (merge order breaks ties), as fastcluster's `generate_SciPy_dendrogram`.
        let order = recorded.indices.sorted { lhs, rhs in
            let a = recorded[lhs].2, b = recorded[rhs].2
            return a < b || (a == b && lhs < rhs)
        }
        var parent = [Int](repeating: -1, count: max(0, 2 * leafCount - 1))
        var sizes = [Double](repeating: 1, count: max(0, 2 * leafCount - 1))
        if let leafWeights {
            for i in 0..<leafCount { sizes[i] = leafWeights[i] }
        }
        func find(_ node: Int) -> Int {
            var root = node
            while parent[root] >= 0 { root = parent[root] }
            var current = node
            while parent[current] >= 0 {
                let next = parent[current]
                parent[current] = root
                current = next
            }
            return root
        }
        var merges: [Merge] = []
        merges.reserveCapacity(recorded.count)
        for (step, index) in order.enumerated() {
            let (a, b, height) = recorded[index]
            let rootA = find(a), rootB = find(b)
            let newId = leafCount + step
            let size = sizes[rootA] + sizes[rootB]
            sizes[newId] = size
            parent[rootA] = newId
            parent[rootB] = newId
            merges.append(Merge(first: min(rootA, rootB), second: max(rootA, rootB), height: height, size: size))
        }
        self.merges = merges
    }

    /// Creates a dendrogram from a SciPy linkage matrix (rows of a, b, height, size).
    ///
    /// - Complexity: O(n).
    public init(leafCount: Int, linkageMatrix: [[Double]]) throws(ClusteringError) {
        guard linkageMatrix.count == max(0, leafCount - 1), linkageMatrix.allSatisfy({ $0.count == 4 }) else {
            throw ClusteringError(
                .invalidArgument,
                "dendrogram: a linkage matrix for \(leafCount) leaves needs \(max(0, leafCount - 1)) rows of 4 values")
        }
        self.leafCount = leafCount
        merges = linkageMatrix.map { Merge(first: Int($0[0]), second: Int($0[1]), height: $0[2], size: $0[3]) }
    }

    /// The SciPy linkage matrix: one `[a, b, height, size]` row per merge.
    ///
    /// - Complexity: O(n).
    public var linkageMatrix: [[Double]] {
        merges.map { [Double($0.first), Double($0.second), $0.height, $0.size] }
    }

    /// The linkage matrix as CSV text with a header `a,b,height,size` (heights with 17 significant digits).
    ///
    /// - Complexity: O(n).
    public var csv: String {
        var text = "a,b,height,size\n"
        for merge in merges {
            text += "\(merge.first),\(merge.second),\(merge.height),\(merge.size)\n"
        }
        return text
    }

    /// Flat clusters obtained by stopping when `k` clusters remain.
    ///
    /// Equals SciPy's `fcluster(Z, k, 'maxclust')` when heights are distinct. Labels are `0..<k`, numbered in
    /// order of each cluster's first observation.
    ///
    /// - Complexity: O(n α(n)).
    public func cut(k: Int) -> [Int32] {
        let clusters = min(max(k, 1), max(leafCount, 1))
        return labels(applying: max(0, leafCount - clusters))
    }

    /// Flat clusters joined by every merge at or below `height`.
    ///
    /// Equals SciPy's `fcluster(Z, height, 'distance')`. Labels are numbered in order of each cluster's first
    /// observation.
    ///
    /// - Complexity: O(n α(n)).
    public func cut(height: Double) -> [Int32] {
        var count = 0
        while count < merges.count && merges[count].height <= height { count += 1 }
        return labels(applying: count)
    }

    private func labels(applying mergeCount: Int) -> [Int32] {
        var parent = Array(0..<max(0, 2 * leafCount - 1))
        func find(_ node: Int) -> Int {
            var root = node
            while parent[root] != root { root = parent[root] }
            var current = node
            while parent[current] != root {
                let next = parent[current]
                parent[current] = root
                current = next
            }
            return root
        }
        for step in 0..<mergeCount {
            let merge = merges[step]
            let newId = leafCount + step
            parent[find(merge.first)] = newId
            parent[find(merge.second)] = newId
        }
        var labelOfRoot: [Int: Int32] = [:]
        var labels = [Int32](repeating: 0, count: leafCount)
        for leaf in 0..<leafCount {
            let root = find(leaf)
            if let label = labelOfRoot[root] {
                labels[leaf] = label
            } else {
                let label = Int32(labelOfRoot.count)
                labelOfRoot[root] = label
                labels[leaf] = label
            }
        }
        return labels
    }
}
