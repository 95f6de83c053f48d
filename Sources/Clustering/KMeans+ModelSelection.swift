#if canImport(Glibc)
    import Glibc
#endif

/// Quality measures of one k-means fit, for choosing k.
public struct KSelection: Sendable {
    /// Number of clusters.
    public let k: Int
    /// k-means inertia (lower is better, always falls with k).
    public let inertia: Double
    /// Mean silhouette (higher is better), sampled above the sample size.
    public let silhouette: Double
    /// Calinski–Harabasz index (higher is better).
    public let calinskiHarabasz: Double
    /// Davies–Bouldin index (lower is better).
    public let daviesBouldin: Double
    /// The fit itself.
    public let result: KMeansResult
}

extension KMeans {
    /// Fits k-means for every k in `range` (2 or more) with this configuration's other settings and scores each.
    ///
    /// - Throws: ``ClusteringError/Code/invalidArgument`` if the range starts below 2 or exceeds n − 1.
    /// - Complexity: the sum of the fits plus O(m²·d) per k for the silhouette on m = min(n, sampleSize) rows.
    public func chooseK(
        _ x: FeatureMatrix, range: ClosedRange<Int>, weights: [Double]? = nil,
        silhouetteSampleSize: Int = ClusterMetrics.defaultSilhouetteSampleSize
    ) throws(ClusteringError) -> [KSelection] {
        guard range.lowerBound >= 2, range.upperBound <= x.rowCount - 1 else {
            throw ClusteringError(
                .invalidArgument, "choose k: the range \(range) must lie within 2...\(x.rowCount - 1)")
        }
        var selections: [KSelection] = []
        for k in range {
            var configuration = self
            configuration.k = k
            configuration.initTrials = 2 + Int(log(Double(k)))
            let result = try configuration.fit(x, weights: weights)
            let silhouette = try ClusterMetrics.silhouette(
                x, labels: result.labels, sampleSize: silhouetteSampleSize, seed: seed, threadCount: threadCount)
            selections.append(
                KSelection(
                    k: k, inertia: result.inertia, silhouette: silhouette,
                    calinskiHarabasz: try ClusterMetrics.calinskiHarabasz(x, labels: result.labels),
                    daviesBouldin: try ClusterMetrics.daviesBouldin(x, labels: result.labels),
                    result: result))
        }
        return selections
    }

    /// The k with the highest silhouette among `selections` (the smallest such k on ties).
    ///
    /// - Complexity: O(selections.count).
    public static func bestK(_ selections: [KSelection]) -> Int? {
        var best: KSelection?
        for selection in selections where selection.silhouette > (best?.silhouette ?? -.infinity) {
            best = selection
        }
        return best?.k
    }
}
