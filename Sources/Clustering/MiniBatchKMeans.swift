/// Mini-batch k-means (Sculley 2010, scikit-learn's `MiniBatchKMeans` update rule) for very large inputs.
///
/// Centres move with per-centre learning rates on random batches; then one full Lloyd step and a labelling
/// pass give every row its cluster.
///
/// Deterministic for a seed; batches are processed in order, so `threadCount` only speeds up the seeding
/// and the final labelling pass.
public struct MiniBatchKMeans: Sendable {
    /// Number of clusters.
    public var k: Int
    /// Rows per mini-batch (scikit-learn's default 1024).
    public var batchSize: Int
    /// Maximum passes over the data, counted in batches of `rowCount / batchSize` steps.
    public var maxEpochs: Int
    /// Stop after this many consecutive batches without improvement of the smoothed batch inertia.
    public var maxNoImprovement: Int
    /// Rows used to seed the centres (full k-means on a sample); `nil` means `3 × batchSize` (at least `3k`).
    public var initSize: Int?
    /// Seed of the random generator.
    public var seed: UInt64
    /// Worker threads for the seeding and final passes.
    public var threadCount: Int

    /// Creates a configuration with scikit-learn-like defaults.
    public init(
        k: Int, batchSize: Int = 1024, maxEpochs: Int = 100, maxNoImprovement: Int = 10, initSize: Int? = nil,
        seed: UInt64 = 0, threadCount: Int? = nil
    ) {
        self.k = k
        self.batchSize = batchSize
        self.maxEpochs = maxEpochs
        self.maxNoImprovement = maxNoImprovement
        self.initSize = initSize
        self.seed = seed
        self.threadCount = threadCount ?? Parallel.defaultThreadCount
    }

    /// Clusters the rows of `x`; `iterations` in the result counts mini-batch steps, which are followed by one
    /// full Lloyd step and the labelling pass.
    ///
    /// - Throws: ``ClusteringError/Code/invalidArgument`` if `k` is not in 1...n or the weights do not match.
    /// - Complexity: O(steps · batchSize · k · d) plus two O(n·k·d) passes; O(n) extra memory.
    public func fit(_ x: FeatureMatrix, weights: [Double]? = nil) throws(ClusteringError) -> KMeansResult {
        let n = x.rowCount, stride = x.stride
        guard k >= 1, k <= n else {
            throw ClusteringError(.invalidArgument, "mini-batch k-means: k = \(k) must be between 1 and \(n)")
        }
        if let weights, weights.count != n {
            throw ClusteringError(.invalidArgument, "mini-batch k-means: \(weights.count) weights for \(n) rows")
        }
        let batch = max(1, min(batchSize, n))
        var generator = SeededGenerator(seed: seed)
        // Seed on a sample with full k-means (3 restarts).
        let sampleCount = min(n, max(initSize ?? 3 * batch, 3 * k))
        var indices = Array(0..<n)
        for i in 0..<sampleCount {
            indices.swapAt(i, i + Int(generator.next() % UInt64(n - i)))
        }
        let sampleRows = Array(indices[0..<sampleCount])
        let seeding = try KMeans(
            k: k, seed: generator.next(), restarts: 3, threadCount: threadCount, algorithm: .lloyd
        ).fit(x.rows(sampleRows), weights: weights.map { w in sampleRows.map { w[$0] } })
        var centres = seeding.centroids.storage
        var counts = [Double](repeating: 0, count: k)
        let steps = max(1, maxEpochs * n / batch)
        let smoothing = min(1, 2 * Double(batch) / Double(n + 1))
        var smoothed = -1.0, best = Double.infinity
        var stale = 0
        var stepsDone = 0
        var batchLabels = [Int](repeating: 0, count: batch)
        var batchRows = [Int](repeating: 0, count: batch)
        x.storage.withUnsafeBufferPointer { pointBuffer in
            guard let points = pointBuffer.baseAddress else { return }
            for _ in 0..<steps {
                stepsDone += 1
                var batchInertia = 0.0
                centres.withUnsafeBufferPointer { centreBuffer in
                    guard let c = centreBuffer.baseAddress else { return }
                    for b in 0..<batch {
                        let row = Int(generator.next() % UInt64(n))
                        batchRows[b] = row
                        let point = points + row * stride
                        var bestDistance = Double.infinity, bestIndex = 0
                        for j in 0..<k {
                            let distance = squaredDistance(point, c + j * stride, stride: stride)
                            if distance < bestDistance {
                                bestDistance = distance
                                bestIndex = j
                            }
                        }
                        batchLabels[b] = bestIndex
                        batchInertia += (weights?[row] ?? 1) * bestDistance
                    }
                }
                // centre_j ← (centre_j · W_j + Σ w·x) / (W_j + Σ w), batch rows in order.
                var batchSums = [Double](repeating: 0, count: k * stride)
                var batchWeights = [Double](repeating: 0, count: k)
                for b in 0..<batch {
                    let row = batchRows[b], label = batchLabels[b]
                    let weight = weights?[row] ?? 1
                    batchWeights[label] += weight
                    for f in 0..<stride { batchSums[label * stride + f] += weight * points[row * stride + f] }
                }
                for j in 0..<k where batchWeights[j] > 0 {
                    let total = counts[j] + batchWeights[j]
                    for f in 0..<stride {
                        centres[j * stride + f] =
                            (centres[j * stride + f] * counts[j] + batchSums[j * stride + f])
                            / total
                    }
                    counts[j] = total
                }
                // Early stopping on the exponentially smoothed batch inertia (scikit-learn's rule).
                let perRow = batchInertia / Double(batch)
                smoothed = smoothed < 0 ? perRow : smoothed * (1 - smoothing) + perRow * smoothing
                if smoothed < best {
                    best = smoothed
                    stale = 0
                } else {
                    stale += 1
                    if stale >= maxNoImprovement { break }
                }
            }
        }
        var start = FeatureMatrix(zerosRows: k, columnCount: x.columnCount)
        start.storage = centres
        // One full Lloyd step (with empty-cluster relocation) from the mini-batch centres, then the labels.
        let final = try KMeans(
            k: k, maxIterations: 1, threadCount: threadCount, algorithm: .lloyd, initialCentroids: start
        ).fit(x, weights: weights)
        return KMeansResult(
            centroids: final.centroids, labels: final.labels, distances: final.distances, inertia: final.inertia,
            iterations: stepsDone, converged: stepsDone < steps, clusterSizes: final.clusterSizes,
            clusterWeights: final.clusterWeights, restart: 0, restartInertias: [final.inertia],
            relocations: final.relocations)
    }
}
