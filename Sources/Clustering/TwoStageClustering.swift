/// Hierarchical clustering of k-means micro-clusters.
///
/// The scalable form of Ward (or any linkage) for inputs too large for O(n²) work: each micro-cluster enters
/// the hierarchy as one point weighted by its size.
public struct TwoStageClustering: Sendable {
    /// The first stage: k-means with `microClusters` centres.
    public let microClusters: KMeansResult
    /// Micro-cluster of each input row, as an index into the dendrogram's leaves.
    public let leafOfRow: [Int32]
    /// The second stage: the dendrogram over the non-empty micro-clusters (sizes are row counts).
    public let dendrogram: Dendrogram

    /// Labels of the input rows when the dendrogram is cut into `k` clusters.
    ///
    /// - Complexity: O(n + m) for m micro-clusters.
    public func cut(k: Int) -> [Int32] {
        let leafLabels = dendrogram.cut(k: k)
        return leafOfRow.map { leafLabels[Int($0)] }
    }

    /// Labels of the input rows when the dendrogram is cut at `height`.
    ///
    /// - Complexity: O(n + m) for m micro-clusters.
    public func cut(height: Double) -> [Int32] {
        let leafLabels = dendrogram.cut(height: height)
        return leafOfRow.map { leafLabels[Int($0)] }
    }
}

extension HierarchicalClustering {
    /// Two-stage clustering: k-means into `microClusters` centres, then `linkage` on the centres weighted by
    /// their sizes (Ward on weighted centroids equals Ward continued from those micro-clusters).
    ///
    /// - Throws: ``ClusteringError`` from either stage.
    /// - Complexity: O(iterations·n·m·d) for the k-means stage plus O(m²·d) for the hierarchy; O(n + m²) memory
    ///   at most (O(n + m·d) for ward and single).
    public static func twoStage(
        _ x: FeatureMatrix, microClusters: Int = 1000, linkage: Linkage = .ward, seed: UInt64 = 0,
        threadCount: Int? = nil
    ) throws(ClusteringError) -> TwoStageClustering {
        let m = min(max(1, microClusters), x.rowCount)
        let kmeans = KMeans(k: m, seed: seed, restarts: 1, threadCount: threadCount)
        let first = try kmeans.fit(x)
        // Keep the non-empty micro-clusters only.
        var leafOfCluster = [Int](repeating: -1, count: m)
        var kept: [Int] = []
        for cluster in 0..<m where first.clusterWeights[cluster] > 0 {
            leafOfCluster[cluster] = kept.count
            kept.append(cluster)
        }
        let centres = first.centroids.rows(kept)
        let weights = kept.map { first.clusterWeights[$0] }
        let dendrogram = try fit(centres, linkage: linkage, weights: weights, threadCount: threadCount)
        let leafOfRow = first.labels.map { Int32(leafOfCluster[Int($0)]) }
        return TwoStageClustering(microClusters: first, leafOfRow: leafOfRow, dendrogram: dendrogram)
    }
}
