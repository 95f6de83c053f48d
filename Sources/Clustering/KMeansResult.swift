/// The outcome of ``KMeans/fit(_:weights:)``.
public struct KMeansResult: Sendable {
    /// Cluster centres, k × d.
    public let centroids: FeatureMatrix
    /// The cluster of each row, in 0..<k.
    public let labels: [Int32]
    /// Euclidean distance of each row to its centroid.
    public let distances: [Double]
    /// Weighted sum of squared distances of the rows to their centroids (scikit-learn's `inertia_`).
    public let inertia: Double
    /// Iterations made by the winning run.
    public let iterations: Int
    /// Whether the winning run converged before `maxIterations`.
    public let converged: Bool
    /// Rows per cluster.
    public let clusterSizes: [Int]
    /// Sum of row weights per cluster (equal to `clusterSizes` without weights).
    public let clusterWeights: [Double]
    /// Index (from 0) of the run that won among the restarts.
    public let restart: Int
    /// Inertia of every run, in run order.
    public let restartInertias: [Double]
    /// Empty clusters relocated to far points during the winning run.
    public let relocations: Int
}
