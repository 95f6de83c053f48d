/// The inter-cluster distance used by agglomerative clustering (SciPy / fastcluster names).
public enum Linkage: String, Sendable, Hashable, CaseIterable {
    /// Minimum increase of within-cluster variance; heights are SciPy's `sqrt(2·Δ)` ("Euclidean" Ward).
    case ward
    /// Largest distance between members.
    case complete
    /// Mean distance between members (UPGMA), weighted by cluster size.
    case average
    /// Smallest distance between members.
    case single
}
