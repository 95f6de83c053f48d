/// Internal-validity and agreement measures for flat clusterings (scikit-learn definitions).
public enum ClusterMetrics {
    /// Default number of points above which ``silhouette(_:labels:sampleSize:seed:threadCount:)`` samples.
    public static let defaultSilhouetteSampleSize = 10_000

    /// Mean silhouette coefficient (scikit-learn `silhouette_score`, Euclidean).
    ///
    /// Exact when `x.rowCount <= sampleSize`; otherwise computed on `sampleSize` rows drawn without replacement
    /// with a seeded generator (scikit-learn's `sample_size`). Singleton clusters score 0.
    /// - Throws: ``ClusteringError/Code/invalidArgument`` unless 2 ≤ number of labels ≤ rows − 1.
    /// - Complexity: O(m²·d) for m = min(n, sampleSize), spread over `threadCount` threads; O(m·d) memory.
    public static func silhouette(
        _ x: FeatureMatrix, labels: [Int32], sampleSize: Int = defaultSilhouetteSampleSize, seed: UInt64 = 0,
        threadCount: Int? = nil
    ) throws(ClusteringError) -> Double {
        guard labels.count == x.rowCount else {
            throw ClusteringError(.invalidArgument, "silhouette: \(labels.count) labels for \(x.rowCount) rows")
        }
        var subset = x
        var subsetLabels = labels
        if x.rowCount > sampleSize, sampleSize > 0 {
            var generator = SeededGenerator(seed: seed)
            var indices = Array(0..<x.rowCount)
            for i in 0..<sampleSize {
                let j = i + Int(generator.next() % UInt64(x.rowCount - i))
                indices.swapAt(i, j)
            }
            let chosen = indices[0..<sampleSize].sorted()
            subset = x.rows(chosen)
            subsetLabels = chosen.map { labels[$0] }
        }
        let threads = max(1, threadCount ?? Parallel.defaultThreadCount)
        switch subset.stride {
        case 4: return try exactSilhouette(subset, labels: subsetLabels, threads: threads, kernel: DistanceKernel4.self)
        case 8: return try exactSilhouette(subset, labels: subsetLabels, threads: threads, kernel: DistanceKernel8.self)
        default:
            return try exactSilhouette(subset, labels: subsetLabels, threads: threads, kernel: DistanceKernelAny.self)
        }
    }

    /// Maps arbitrary label values to 0..<k in order of first appearance.
    static func denseLabels(_ labels: [Int32]) -> (labels: [Int], count: Int) {
        var map: [Int32: Int] = [:]
        let dense = labels.map { label -> Int in
            if let value = map[label] { return value }
            let value = map.count
            map[label] = value
            return value
        }
        return (dense, map.count)
    }

    private static func exactSilhouette<Kernel: DistanceKernel>(
        _ x: FeatureMatrix, labels: [Int32], threads: Int, kernel: Kernel.Type
    ) throws(ClusteringError) -> Double {
        let n = x.rowCount, stride = x.stride
        let (dense, k) = denseLabels(labels)
        guard k >= 2, k <= n - 1 else {
            throw ClusteringError(
                .invalidArgument, "silhouette: needs 2 to n − 1 clusters, got \(k) clusters for \(n) rows")
        }
        // Group rows by cluster so each cluster is one contiguous range.
        var order = Array(0..<n)
        order.sort { dense[$0] < dense[$1] || (dense[$0] == dense[$1] && $0 < $1) }
        let grouped = x.rows(order)
        var starts = [Int](repeating: 0, count: k + 1)
        for label in dense { starts[label + 1] += 1 }
        for c in 0..<k { starts[c + 1] += starts[c] }
        let clusterStarts = starts
        let groupedLabels = order.map { dense[$0] }
        var scores = [Double](repeating: 0, count: n)
        let blockSize = 64
        let blockCount = (n + blockSize - 1) / blockSize
        scores.withUnsafeMutableBufferPointer { scoreBuffer in
            grouped.storage.withUnsafeBufferPointer { pointBuffer in
                guard let scoreBase = scoreBuffer.baseAddress, let pointBase = pointBuffer.baseAddress else { return }
                let out = SharedPointer(scoreBase)
                let points = SharedConstPointer(pointBase)
                Parallel.forEachChunk(blockCount, threadCount: threads) { block in
                    let starts = clusterStarts
                    var means = [Double](repeating: 0, count: k)
                    for i in (block * blockSize)..<min(n, (block + 1) * blockSize) {
                        let row = points.base + i * stride
                        for c in 0..<k {
                            var sum = 0.0
                            for j in starts[c]..<starts[c + 1] {
                                sum += Kernel.squaredDistance(row, points.base + j * stride, stride: stride)
                                    .squareRoot()
                            }
                            means[c] = sum
                        }
                        let own = groupedLabels[i]
                        let ownSize = starts[own + 1] - starts[own]
                        if ownSize <= 1 {
                            out[i] = 0
                            continue
                        }
                        let a = means[own] / Double(ownSize - 1)
                        var b = Double.infinity
                        for c in 0..<k where c != own {
                            b = min(b, means[c] / Double(starts[c + 1] - starts[c]))
                        }
                        let denominator = max(a, b)
                        out[i] = denominator > 0 ? (b - a) / denominator : 0
                    }
                }
            }
        }
        // Sum in original row order, as the mean over samples.
        var inverse = [Int](repeating: 0, count: n)
        for (position, row) in order.enumerated() { inverse[row] = position }
        var total = 0.0
        for row in 0..<n { total += scores[inverse[row]] }
        return total / Double(n)
    }

    /// Calinski–Harabasz variance ratio (scikit-learn `calinski_harabasz_score`); 1 when all clusters are points.
    ///
    /// - Throws: ``ClusteringError/Code/invalidArgument`` unless 2 ≤ number of labels ≤ rows − 1.
    /// - Complexity: O(n·d).
    public static func calinskiHarabasz(_ x: FeatureMatrix, labels: [Int32]) throws(ClusteringError) -> Double {
        let n = x.rowCount, d = x.columnCount
        let (dense, k) = denseLabels(labels)
        guard labels.count == n, k >= 2, k <= n - 1 else {
            throw ClusteringError(.invalidArgument, "Calinski–Harabasz: needs 2 to n − 1 clusters, got \(k)")
        }
        let (centroids, counts) = clusterMeans(x, dense: dense, k: k)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for f in 0..<d { mean[f] += x[i, f] } }
        for f in 0..<d { mean[f] /= Double(n) }
        var between = 0.0, within = 0.0
        for c in 0..<k {
            var squared = 0.0
            for f in 0..<d {
                let delta = centroids[c * d + f] - mean[f]
                squared += delta * delta
            }
            between += Double(counts[c]) * squared
        }
        for i in 0..<n {
            let c = dense[i]
            for f in 0..<d {
                let delta = x[i, f] - centroids[c * d + f]
                within += delta * delta
            }
        }
        return within == 0 ? 1 : between * Double(n - k) / (within * Double(k - 1))
    }

    /// Davies–Bouldin index (scikit-learn `davies_bouldin_score`); lower is better.
    ///
    /// - Throws: ``ClusteringError/Code/invalidArgument`` unless 2 ≤ number of labels ≤ rows − 1.
    /// - Complexity: O(n·d + k²·d).
    public static func daviesBouldin(_ x: FeatureMatrix, labels: [Int32]) throws(ClusteringError) -> Double {
        let n = x.rowCount, d = x.columnCount
        let (dense, k) = denseLabels(labels)
        guard labels.count == n, k >= 2, k <= n - 1 else {
            throw ClusteringError(.invalidArgument, "Davies–Bouldin: needs 2 to n − 1 clusters, got \(k)")
        }
        let (centroids, counts) = clusterMeans(x, dense: dense, k: k)
        var scatter = [Double](repeating: 0, count: k)
        for i in 0..<n {
            let c = dense[i]
            var squared = 0.0
            for f in 0..<d {
                let delta = x[i, f] - centroids[c * d + f]
                squared += delta * delta
            }
            scatter[c] += squared.squareRoot()
        }
        for c in 0..<k { scatter[c] /= Double(counts[c]) }
        var separations = [Double](repeating: 0, count: k * k)
        for a in 0..<k {
            for b in 0..<k {
                var squared = 0.0
                for f in 0..<d {
                    let delta = centroids[a * d + f] - centroids[b * d + f]
                    squared += delta * delta
                }
                separations[a * k + b] = squared.squareRoot()
            }
        }
        if scatter.allSatisfy({ abs($0) <= 1e-8 }) || separations.allSatisfy({ abs($0) <= 1e-8 }) { return 0 }
        var total = 0.0
        for a in 0..<k {
            var worst = -Double.infinity
            for b in 0..<k where b != a {
                let separation = separations[a * k + b] == 0 ? Double.infinity : separations[a * k + b]
                worst = max(worst, (scatter[a] + scatter[b]) / separation)
            }
            total += worst
        }
        return total / Double(k)
    }

    /// Sum of squared distances of each row to the centroid of its label (k-means inertia).
    ///
    /// - Precondition: labels index rows of `centroids`.
    /// - Complexity: O(n·d).
    public static func inertia(_ x: FeatureMatrix, labels: [Int32], centroids: FeatureMatrix) -> Double {
        precondition(labels.count == x.rowCount && centroids.columnCount == x.columnCount, "inertia: shape mismatch")
        var total = 0.0
        x.storage.withUnsafeBufferPointer { points in
            centroids.storage.withUnsafeBufferPointer { centres in
                guard let p = points.baseAddress, let c = centres.baseAddress else { return }
                for i in 0..<x.rowCount {
                    total += squaredDistance(p + i * x.stride, c + Int(labels[i]) * x.stride, stride: x.stride)
                }
            }
        }
        return total
    }

    /// Adjusted Rand index between two labellings (scikit-learn `adjusted_rand_score`): 1 for identical
    /// partitions whatever the label values, about 0 for independent ones.
    ///
    /// - Complexity: O(n + k₁·k₂).
    public static func adjustedRandIndex(_ first: [Int32], _ second: [Int32]) -> Double {
        precondition(first.count == second.count, "adjustedRandIndex: labellings of different length")
        let n = first.count
        let (a, ka) = denseLabels(first)
        let (b, kb) = denseLabels(second)
        if ka == kb && (ka == 1 || ka == 0 || ka == n) { return 1 }
        var table = [Int](repeating: 0, count: ka * kb)
        var rows = [Int](repeating: 0, count: ka)
        var columns = [Int](repeating: 0, count: kb)
        for i in 0..<n {
            table[a[i] * kb + b[i]] += 1
            rows[a[i]] += 1
            columns[b[i]] += 1
        }
        func pairs(_ count: Int) -> Double { Double(count) * Double(count - 1) / 2 }
        let sumCells = table.reduce(0.0) { $0 + pairs($1) }
        let sumRows = rows.reduce(0.0) { $0 + pairs($1) }
        let sumColumns = columns.reduce(0.0) { $0 + pairs($1) }
        let expected = sumRows * sumColumns / pairs(n)
        let maximum = (sumRows + sumColumns) / 2
        if maximum == expected { return 1 }
        return (sumCells - expected) / (maximum - expected)
    }

    private static func clusterMeans(_ x: FeatureMatrix, dense: [Int], k: Int) -> (means: [Double], counts: [Int]) {
        let d = x.columnCount
        var means = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        for i in 0..<x.rowCount {
            let c = dense[i]
            counts[c] += 1
            for f in 0..<d { means[c * d + f] += x[i, f] }
        }
        for c in 0..<k { for f in 0..<d { means[c * d + f] /= Double(max(counts[c], 1)) } }
        return (means, counts)
    }
}
