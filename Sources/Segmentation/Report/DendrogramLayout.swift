/// Positions of a dendrogram's links and leaves, truncated like SciPy's `dendrogram(truncate_mode="lastp")`.
///
/// Only the last `leafCount - 1` merges are drawn; every cluster formed before them becomes one leaf labelled
/// with its size. Leaves are ordered as SciPy orders them (first child left of second child). Cutting the tree
/// into `clusterCount` clusters colours each cluster's subtree; links above the cut are grey.
struct DendrogramLayout {
    /// One row of a SciPy linkage matrix: clusters `first` and `second` merge at `height` into `size` points.
    struct Merge: Equatable {
        var first: Int
        var second: Int
        var height: Double
        var size: Double
    }

    /// A drawn leaf: an original observation or a contracted cluster.
    struct Leaf {
        /// Node id in the linkage (`< observationCount` for an observation).
        var node: Int
        /// Points in the leaf, when known (contracted clusters; observations count 1 unless weighted).
        var size: Double?
        /// Cluster index under the cut (left to right), or nil when the leaf is above it.
        var cluster: Int?
    }

    /// A drawn merge: a ∏-shaped link from two children (leaf position, height) up to `height`.
    struct Link {
        var leftX: Double
        var leftHeight: Double
        var rightX: Double
        var rightHeight: Double
        var height: Double
        var size: Double
        /// Cluster index under the cut, or nil for links above the cut.
        var cluster: Int?
    }

    /// A cluster under the cut: which leaves it spans and how many points it holds.
    struct Cluster {
        var leaves: ClosedRange<Int>
        var size: Double?
    }

    private(set) var leaves: [Leaf] = []
    private(set) var links: [Link] = []
    private(set) var clusters: [Cluster] = []
    /// The largest merge height.
    let maximumHeight: Double
    /// A height between the merges that separate the `clusterCount` clusters, when there is more than one.
    let cutHeight: Double?
    /// Number of observations (leaves of the full tree).
    let observationCount: Int

    private let merges: [Merge]
    private let visibleFrom: Int
    private let clusterFrom: Int

    /// Lays out `merges` showing at most `leafCount` leaves, coloured by a cut into `clusterCount` clusters.
    ///
    /// Returns nil when the merges do not form a valid linkage (a child id not created before its parent).
    /// - Complexity: O(m) for m merges.
    init?(merges: [Merge], leafCount: Int, clusterCount: Int) {
        guard !merges.isEmpty else { return nil }
        let n = merges.count + 1
        for (index, merge) in merges.enumerated() {
            guard merge.first >= 0, merge.second >= 0, merge.first < n + index, merge.second < n + index,
                merge.first != merge.second
            else { return nil }
        }
        let k = min(max(1, clusterCount), n)
        let shown = min(n, max(leafCount, k, 2))
        self.merges = merges
        self.observationCount = n
        self.visibleFrom = merges.count - (shown - 1)
        self.clusterFrom = merges.count - (k - 1)
        self.maximumHeight = merges.map(\.height).filter(\.isFinite).max() ?? 0
        if k >= 2, clusterFrom >= 1 {
            cutHeight = (merges[clusterFrom - 1].height + merges[clusterFrom].height) / 2
        } else {
            cutHeight = nil
        }
        let root = n + merges.count - 1
        var nextCluster = 0
        let rootCluster: Int? = k == 1 ? 0 : nil
        if k == 1 { nextCluster = 1 }
        _ = place(root, cluster: rootCluster, nextCluster: &nextCluster)
        if k == 1 { clusters = [Cluster(leaves: 0...max(0, leaves.count - 1), size: merges.last?.size)] }
    }

    /// Whether `node` is a merge drawn as a link.
    private func isDrawn(_ node: Int) -> Bool { node >= observationCount && node - observationCount >= visibleFrom }

    /// Whether `node` is a merge above the cut.
    private func isAboveCut(_ node: Int) -> Bool {
        node >= observationCount && node - observationCount >= clusterFrom
    }

    /// Points in `node`, when known.
    private func size(of node: Int) -> Double? {
        node >= observationCount ? merges[node - observationCount].size : nil
    }

    /// Lays out the subtree of `node`; returns its x position (in leaf units) and height.
    private mutating func place(_ node: Int, cluster: Int?, nextCluster: inout Int) -> (x: Double, height: Double) {
        guard isDrawn(node) else {
            leaves.append(Leaf(node: node, size: size(of: node), cluster: cluster))
            return (Double(leaves.count - 1), 0)
        }
        let merge = merges[node - observationCount]
        var positions: [(x: Double, height: Double)] = []
        for child in [merge.first, merge.second] {
            // A child below the cut of a link above it starts the next cluster.
            let startsCluster = cluster == nil && !isAboveCut(child)
            let firstLeaf = leaves.count
            let childCluster = startsCluster ? nextCluster : cluster
            if startsCluster { nextCluster += 1 }
            positions.append(place(child, cluster: childCluster, nextCluster: &nextCluster))
            if startsCluster {
                clusters.append(Cluster(leaves: firstLeaf...(leaves.count - 1), size: size(of: child)))
            }
        }
        let x = (positions[0].x + positions[1].x) / 2
        links.append(
            Link(
                leftX: positions[0].x, leftHeight: positions[0].height, rightX: positions[1].x,
                rightHeight: positions[1].height, height: merge.height, size: merge.size, cluster: cluster))
        return (x, merge.height)
    }
}
