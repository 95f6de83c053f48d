/// One k-means fit: owns the per-point and per-chunk buffers, runs the restarts and the passes.
///
/// All parallel passes write per-row values or per-chunk partial sums; partial sums are reduced in chunk
/// order, so results do not depend on the thread count.
final class KMeansRunner<Kernel: DistanceKernel> {
    let configuration: KMeans
    let x: FeatureMatrix
    let weights: [Double]
    let n: Int
    let k: Int
    let stride: Int
    let chunkCount: Int
    let threads: Int

    // Per-row buffers.
    let labels: UnsafeMutablePointer<Int32>
    let closest: UnsafeMutablePointer<Double>
    let upper: UnsafeMutablePointer<Double>
    let lower: UnsafeMutablePointer<Double>
    // Per-chunk partial results.
    let chunkSums: UnsafeMutablePointer<Double>
    let chunkWeights: UnsafeMutablePointer<Double>
    let chunkScalars: UnsafeMutablePointer<Double>
    let chunkChanged: UnsafeMutablePointer<Int>

    init(configuration: KMeans, x: FeatureMatrix, weights: [Double]) {
        self.configuration = configuration
        self.x = x
        self.weights = weights
        n = x.rowCount
        k = configuration.k
        stride = x.stride
        chunkCount = Parallel.chunkCount(x.rowCount)
        threads = max(1, configuration.threadCount)
        labels = .allocate(capacity: n)
        labels.initialize(repeating: -1, count: n)
        closest = .allocate(capacity: n)
        closest.initialize(repeating: 0, count: n)
        upper = .allocate(capacity: n)
        upper.initialize(repeating: 0, count: n)
        lower = .allocate(capacity: n)
        lower.initialize(repeating: 0, count: n)
        let trials = max(1, configuration.initTrials)
        chunkSums = .allocate(capacity: chunkCount * k * stride)
        chunkSums.initialize(repeating: 0, count: chunkCount * k * stride)
        chunkWeights = .allocate(capacity: chunkCount * k)
        chunkWeights.initialize(repeating: 0, count: chunkCount * k)
        chunkScalars = .allocate(capacity: chunkCount * (trials + 1))
        chunkScalars.initialize(repeating: 0, count: chunkCount * (trials + 1))
        chunkChanged = .allocate(capacity: chunkCount)
        chunkChanged.initialize(repeating: 0, count: chunkCount)
    }

    deinit {
        labels.deallocate()
        closest.deallocate()
        upper.deallocate()
        lower.deallocate()
        chunkSums.deallocate()
        chunkWeights.deallocate()
        chunkScalars.deallocate()
        chunkChanged.deallocate()
    }

    // MARK: - Driver

    func fit() -> KMeansResult {
        x.storage.withUnsafeBufferPointer { points in
            weights.withUnsafeBufferPointer { weightBuffer in
                // Both buffers are non-empty because 1 ≤ k ≤ n.
                guard let pointBase = points.baseAddress, let weightBase = weightBuffer.baseAddress else {
                    preconditionFailure("k-means: empty input passed the argument checks")
                }
                return fit(points: SharedConstPointer(pointBase), weights: SharedConstPointer(weightBase))
            }
        }
    }

    private func fit(points: SharedConstPointer<Double>, weights: SharedConstPointer<Double>) -> KMeansResult {
        let runs = configuration.effectiveRestarts(rowCount: n)
        let threshold = configuration.tolerance * meanFeatureVariance()
        var master = SeededGenerator(seed: configuration.seed)
        var best: (centroids: [Double], inertia: Double, iterations: Int, converged: Bool, relocations: Int)?
        var bestRun = 0
        var inertias: [Double] = []
        for run in 0..<runs {
            var generator = SeededGenerator(seed: master.next())
            var centroids: [Double]
            if let initial = configuration.initialCentroids {
                centroids = initial.storage
            } else {
                centroids = seedCentroids(points: points, weights: weights, generator: &generator)
            }
            let outcome = iterate(centroids: &centroids, points: points, weights: weights, threshold: threshold)
            let inertia = assign(centroids: centroids, points: points, weights: weights, update: false).inertia
            inertias.append(inertia)
            if best == nil || inertia < (best?.inertia ?? .infinity) {
                best = (centroids, inertia, outcome.iterations, outcome.converged, outcome.relocations)
                bestRun = run
            }
        }
        guard let best else { preconditionFailure("k-means: no run made") }
        // Recompute the winner's labels and distances (the passes are deterministic).
        let final = assign(centroids: best.centroids, points: points, weights: weights, update: false)
        var labelArray = [Int32](repeating: 0, count: n)
        var distanceArray = [Double](repeating: 0, count: n)
        var sizes = [Int](repeating: 0, count: k)
        var clusterWeights = [Double](repeating: 0, count: k)
        for i in 0..<n {
            let label = labels[i]
            labelArray[i] = label
            distanceArray[i] = closest[i].squareRoot()
            sizes[Int(label)] += 1
            clusterWeights[Int(label)] += weights[i]
        }
        var centroidMatrix = FeatureMatrix(zerosRows: k, columnCount: x.columnCount)
        centroidMatrix.storage = best.centroids
        return KMeansResult(
            centroids: centroidMatrix, labels: labelArray, distances: distanceArray, inertia: final.inertia,
            iterations: best.iterations, converged: best.converged, clusterSizes: sizes,
            clusterWeights: clusterWeights, restart: bestRun, restartInertias: inertias,
            relocations: best.relocations)
    }

    /// Mean over features of the (unweighted, population) variance, as scikit-learn's `_tolerance`.
    private func meanFeatureVariance() -> Double {
        let d = x.columnCount
        guard n > 0, d > 0 else { return 0 }
        var mean = [Double](repeating: 0, count: stride)
        var squares = [Double](repeating: 0, count: stride)
        x.storage.withUnsafeBufferPointer { points in
            for i in 0..<n {
                for j in 0..<d { mean[j] += points[i * stride + j] }
            }
            for j in 0..<d { mean[j] /= Double(n) }
            for i in 0..<n {
                for j in 0..<d {
                    let delta = points[i * stride + j] - mean[j]
                    squares[j] += delta * delta
                }
            }
        }
        var total = 0.0
        for j in 0..<d { total += squares[j] / Double(n) }
        return total / Double(d)
    }

    // MARK: - Greedy k-means++

    private func seedCentroids(
        points: SharedConstPointer<Double>, weights: SharedConstPointer<Double>,
        generator: inout SeededGenerator
    ) -> [Double] {
        let k = self.k, stride = self.stride, n = self.n
        var centroids = [Double](repeating: 0, count: k * stride)
        let closest = SharedPointer(self.closest)
        let scalars = SharedPointer(chunkScalars)
        let chunkSize = Parallel.chunkSize
        let chunkCount = self.chunkCount

        // First centre: drawn with probability proportional to the weight.
        for c in 0..<chunkCount {
            var sum = 0.0
            for i in (c * chunkSize)..<min(n, (c + 1) * chunkSize) { sum += weights[i] }
            scalars[c] = sum
        }
        let first = sampleIndex(values: { weights[$0] }, target: generator.nextUnit() * chunkTotal())
        copyRow(points: points, row: first, into: &centroids, slot: 0)

        // Distances to the first centre and the per-chunk potential.
        centroids.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let centre = SharedConstPointer(base)
            Parallel.forEachChunk(chunkCount, threadCount: threads) { chunk in
                var potential = 0.0
                for i in (chunk * chunkSize)..<min(n, (chunk + 1) * chunkSize) {
                    let distance = Kernel.squaredDistance(points.base + i * stride, centre.base, stride: stride)
                    closest[i] = distance
                    potential += weights[i] * distance
                }
                scalars[chunk] = potential
            }
        }
        if k == 1 { return centroids }
        let trials = max(1, configuration.initTrials)
        var candidatePotentials = [Double](repeating: 0, count: trials)
        for centreIndex in 1..<k {
            let potential = chunkTotal()
            var candidates = [Int](repeating: 0, count: trials)
            for t in 0..<trials {
                let target = generator.nextUnit() * potential
                candidates[t] = sampleIndex(values: { weights[$0] * closest[$0] }, target: target)
            }
            // Potential after adding each candidate, per chunk (stored chunk-major in the scalar buffer).
            let candidateList = candidates
            Parallel.forEachChunk(chunkCount, threadCount: threads) { chunk in
                for t in 0..<trials {
                    let candidate = points.base + candidateList[t] * stride
                    var sum = 0.0
                    for i in (chunk * chunkSize)..<min(n, (chunk + 1) * chunkSize) {
                        let distance = Kernel.squaredDistance(points.base + i * stride, candidate, stride: stride)
                        sum += weights[i] * min(closest[i], distance)
                    }
                    scalars[chunkCount + chunk * trials + t] = sum
                }
            }
            var bestTrial = 0
            for t in 0..<trials {
                var sum = 0.0
                for chunk in 0..<chunkCount { sum += scalars[chunkCount + chunk * trials + t] }
                candidatePotentials[t] = sum
                if sum < candidatePotentials[bestTrial] { bestTrial = t }
            }
            let chosen = candidates[bestTrial]
            copyRow(points: points, row: chosen, into: &centroids, slot: centreIndex)
            let centre = SharedConstPointer(points.base + chosen * stride)
            Parallel.forEachChunk(chunkCount, threadCount: threads) { chunk in
                var potential = 0.0
                for i in (chunk * chunkSize)..<min(n, (chunk + 1) * chunkSize) {
                    let distance = Kernel.squaredDistance(points.base + i * stride, centre.base, stride: stride)
                    let value = min(closest[i], distance)
                    closest[i] = value
                    potential += weights[i] * value
                }
                scalars[chunk] = potential
            }
        }
        return centroids
    }

    /// Sum of the first `chunkCount` chunk scalars, in chunk order.
    private func chunkTotal() -> Double {
        var total = 0.0
        for chunk in 0..<chunkCount { total += chunkScalars[chunk] }
        return total
    }

    /// numpy's `searchsorted(cumsum(values), target)`, clipped to n − 1, using the per-chunk totals in the
    /// scalar buffer so only one chunk is rescanned.
    private func sampleIndex(values: (Int) -> Double, target: Double) -> Int {
        var prefix = 0.0
        for chunk in 0..<chunkCount {
            let next = prefix + chunkScalars[chunk]
            if next >= target || chunk == chunkCount - 1 {
                var running = prefix
                let end = min(n, (chunk + 1) * Parallel.chunkSize)
                for i in (chunk * Parallel.chunkSize)..<end {
                    running += values(i)
                    if running >= target { return i }
                }
                if next >= target { return end - 1 }
            }
            prefix = next
        }
        return n - 1
    }

    private func copyRow(points: SharedConstPointer<Double>, row: Int, into centroids: inout [Double], slot: Int) {
        for j in 0..<stride { centroids[slot * stride + j] = points[row * stride + j] }
    }

    // MARK: - Iterations

    private struct Outcome {
        var iterations: Int
        var converged: Bool
        var relocations: Int
    }

    private func iterate(
        centroids: inout [Double], points: SharedConstPointer<Double>, weights: SharedConstPointer<Double>,
        threshold: Double
    ) -> Outcome {
        labels.update(repeating: -1, count: n)
        var outcome = Outcome(iterations: 0, converged: false, relocations: 0)
        let useHamerly = configuration.algorithm.usesBounds(k: k)
        var shifts = [Double](repeating: 0, count: k)
        for iteration in 0..<configuration.maxIterations {
            let changed: Int
            if useHamerly {
                changed = hamerlyPass(
                    centroids: centroids, shifts: shifts, first: iteration == 0, points: points, weights: weights)
            } else {
                changed = assign(centroids: centroids, points: points, weights: weights, update: true).changed
            }
            var updated = reduceCentroids(previous: centroids)
            let emptyCount = updated.emptyClusters.count
            if emptyCount > 0 {
                if useHamerly { exactDistances(centroids: centroids, points: points) }
                relocate(updated: &updated, points: points, weights: weights)
                outcome.relocations += emptyCount
            }
            finishCentroids(&updated, previous: centroids)
            var shiftTotal = 0.0
            centroids.withUnsafeBufferPointer { old in
                updated.sums.withUnsafeBufferPointer { new in
                    guard let oldBase = old.baseAddress, let newBase = new.baseAddress else { return }
                    for j in 0..<k {
                        let squared = squaredDistance(oldBase + j * stride, newBase + j * stride, stride: stride)
                        shifts[j] = squared.squareRoot()
                        shiftTotal += squared
                    }
                }
            }
            centroids = updated.sums
            outcome.iterations = iteration + 1
            if iteration > 0 && changed == 0 && emptyCount == 0 {
                outcome.converged = true
                break
            }
            if shiftTotal <= threshold {
                outcome.converged = true
                break
            }
        }
        return outcome
    }

    /// Per-cluster weighted sums and weights reduced in chunk order; `sums` becomes the new centroids.
    private struct Update {
        var sums: [Double]
        var weights: [Double]
        var emptyClusters: [Int]
    }

    private func reduceCentroids(previous: [Double]) -> Update {
        var sums = [Double](repeating: 0, count: k * stride)
        var clusterWeights = [Double](repeating: 0, count: k)
        for chunk in 0..<chunkCount {
            let base = chunkSums + chunk * k * stride
            for index in 0..<(k * stride) { sums[index] += base[index] }
            for j in 0..<k { clusterWeights[j] += chunkWeights[chunk * k + j] }
        }
        let empty = (0..<k).filter { clusterWeights[$0] == 0 }
        return Update(sums: sums, weights: clusterWeights, emptyClusters: empty)
    }

    /// scikit-learn's `_relocate_empty_clusters_dense`: each empty cluster takes one of the points farthest
    /// from their current centres (ties broken by row order), which leaves its old cluster.
    private func relocate(
        updated: inout Update, points: SharedConstPointer<Double>, weights: SharedConstPointer<Double>
    ) {
        let count = updated.emptyClusters.count
        // Keep the `count` largest distances, sorted descending (count is small).
        var far: [(distance: Double, row: Int)] = []
        for i in 0..<n {
            let distance = closest[i]
            if far.count < count || distance > (far.last?.distance ?? -.infinity) {
                var position = far.count
                while position > 0 && far[position - 1].distance < distance { position -= 1 }
                far.insert((distance, i), at: position)
                if far.count > count { far.removeLast() }
            }
        }
        for (index, cluster) in updated.emptyClusters.enumerated() where index < far.count {
            let row = far[index].row
            let weight = weights[row]
            let oldCluster = Int(labels[row])
            for j in 0..<stride {
                let value = points[row * stride + j] * weight
                if oldCluster >= 0 { updated.sums[oldCluster * stride + j] -= value }
                updated.sums[cluster * stride + j] = value
            }
            updated.weights[cluster] = weight
            if oldCluster >= 0 { updated.weights[oldCluster] -= weight }
        }
    }

    /// Divides the sums by the weights; a cluster still without weight keeps its previous centre.
    private func finishCentroids(_ updated: inout Update, previous: [Double]) {
        for j in 0..<k {
            let weight = updated.weights[j]
            for f in 0..<stride {
                if weight > 0 {
                    updated.sums[j * stride + f] /= weight
                } else {
                    updated.sums[j * stride + f] = previous[j * stride + f]
                }
            }
        }
    }

    /// Squared distance of each row to its own centroid, into `closest` (used before relocation).
    private func exactDistances(centroids: [Double], points: SharedConstPointer<Double>) {
        let closest = SharedPointer(self.closest)
        let labels = SharedPointer(self.labels)
        let n = self.n, stride = self.stride
        centroids.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let centres = SharedConstPointer(base)
            Parallel.forEachChunk(chunkCount, threadCount: threads) { chunk in
                for i in (chunk * Parallel.chunkSize)..<min(n, (chunk + 1) * Parallel.chunkSize) {
                    let own = centres.base + Int(labels[i]) * stride
                    closest[i] = Kernel.squaredDistance(points.base + i * stride, own, stride: stride)
                }
            }
        }
    }

    // MARK: - Passes

    /// Lloyd's assignment step: nearest centroid of every row (first on ties), squared distance into
    /// `closest`, and, if `update`, per-chunk weighted sums for the new centroids.
    ///
    /// - Complexity: O(n·k·d).
    @discardableResult
    func assign(
        centroids: [Double], points: SharedConstPointer<Double>, weights: SharedConstPointer<Double>, update: Bool
    ) -> (inertia: Double, changed: Int) {
        let k = self.k, stride = self.stride, n = self.n
        let labels = SharedPointer(self.labels)
        let closest = SharedPointer(self.closest)
        let sums = SharedPointer(chunkSums)
        let clusterWeights = SharedPointer(chunkWeights)
        let scalars = SharedPointer(chunkScalars)
        let changedCounts = SharedPointer(chunkChanged)
        centroids.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let centres = SharedConstPointer(base)
            Parallel.forEachChunk(chunkCount, threadCount: threads) { chunk in
                let chunkSumBase = sums.base + chunk * k * stride
                let chunkWeightBase = clusterWeights.base + chunk * k
                if update {
                    chunkSumBase.update(repeating: 0, count: k * stride)
                    chunkWeightBase.update(repeating: 0, count: k)
                }
                var inertia = 0.0
                var changed = 0
                for i in (chunk * Parallel.chunkSize)..<min(n, (chunk + 1) * Parallel.chunkSize) {
                    let row = points.base + i * stride
                    var best = Kernel.squaredDistance(row, centres.base, stride: stride)
                    var bestIndex = 0
                    var j = 1
                    while j < k {
                        let distance = Kernel.squaredDistance(row, centres.base + j * stride, stride: stride)
                        if distance < best {
                            best = distance
                            bestIndex = j
                        }
                        j += 1
                    }
                    let label = Int32(truncatingIfNeeded: bestIndex)
                    if labels[i] != label {
                        changed += 1
                        labels[i] = label
                    }
                    closest[i] = best
                    let weight = weights[i]
                    inertia += weight * best
                    if update {
                        accumulateRow(row, weight: weight, into: chunkSumBase + bestIndex * stride, stride: stride)
                        chunkWeightBase[bestIndex] += weight
                    }
                }
                scalars[chunk] = inertia
                changedCounts[chunk] = changed
            }
        }
        var inertia = 0.0
        var changed = 0
        for chunk in 0..<chunkCount {
            inertia += chunkScalars[chunk]
            changed += chunkChanged[chunk]
        }
        return (inertia, changed)
    }

    /// Hamerly's pruned assignment step plus per-chunk sums; returns the number of rows whose label changed.
    ///
    /// `shifts` are the centre movements of the previous update, applied to the bounds here.
    /// - Complexity: O(k²·d + n·d) plus O(k·d) for each row whose bounds fail.
    private func hamerlyPass(
        centroids: [Double], shifts: [Double], first: Bool,
        points: SharedConstPointer<Double>, weights: SharedConstPointer<Double>
    ) -> Int {
        let k = self.k, stride = self.stride, n = self.n
        // Half the distance from each centre to its nearest other centre.
        var halfNearest = [Double](repeating: .infinity, count: k)
        centroids.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for a in 0..<k {
                for b in (a + 1)..<max(a + 1, k) {
                    let half = 0.5 * squaredDistance(base + a * stride, base + b * stride, stride: stride).squareRoot()
                    halfNearest[a] = min(halfNearest[a], half)
                    halfNearest[b] = min(halfNearest[b], half)
                }
            }
        }
        var maxShift = 0.0, secondShift = 0.0, maxIndex = -1
        for j in 0..<k {
            if shifts[j] > maxShift {
                secondShift = maxShift
                maxShift = shifts[j]
                maxIndex = j
            } else if shifts[j] > secondShift {
                secondShift = shifts[j]
            }
        }
        let labels = SharedPointer(self.labels)
        let upper = SharedPointer(self.upper)
        let lower = SharedPointer(self.lower)
        let sums = SharedPointer(chunkSums)
        let clusterWeights = SharedPointer(chunkWeights)
        let changedCounts = SharedPointer(chunkChanged)
        let bounds = (halfNearest, shifts, maxShift, secondShift, maxIndex)
        centroids.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let centres = SharedConstPointer(base)
            let (halfNearest, shifts, maxShift, secondShift, maxIndex) = bounds
            Parallel.forEachChunk(chunkCount, threadCount: threads) { chunk in
                let chunkSumBase = sums.base + chunk * k * stride
                let chunkWeightBase = clusterWeights.base + chunk * k
                chunkSumBase.update(repeating: 0, count: k * stride)
                chunkWeightBase.update(repeating: 0, count: k)
                var changed = 0
                for i in (chunk * Parallel.chunkSize)..<min(n, (chunk + 1) * Parallel.chunkSize) {
                    let row = points.base + i * stride
                    var label = Int(labels[i])
                    var needsScan = first
                    var upperBound = 0.0, lowerBound = 0.0
                    if !first {
                        upperBound = upper[i] + shifts[label]
                        lowerBound = lower[i] - (label == maxIndex ? secondShift : maxShift)
                        let bound = max(halfNearest[label], lowerBound)
                        if upperBound > bound {
                            upperBound = Kernel.squaredDistance(row, centres.base + label * stride, stride: stride)
                                .squareRoot()
                            needsScan = upperBound > bound
                        }
                    }
                    if needsScan {
                        var best = Double.infinity, second = Double.infinity
                        var bestIndex = 0
                        var j = 0
                        while j < k {
                            let distance = Kernel.squaredDistance(row, centres.base + j * stride, stride: stride)
                            if distance < best {
                                second = best
                                best = distance
                                bestIndex = j
                            } else if distance < second {
                                second = distance
                            }
                            j += 1
                        }
                        if bestIndex != label {
                            changed += 1
                            label = bestIndex
                            labels[i] = Int32(truncatingIfNeeded: bestIndex)
                        }
                        upperBound = best.squareRoot()
                        lowerBound = second.squareRoot()
                    }
                    upper[i] = upperBound
                    lower[i] = lowerBound
                    let weight = weights[i]
                    accumulateRow(row, weight: weight, into: chunkSumBase + label * stride, stride: stride)
                    chunkWeightBase[label] += weight
                }
                changedCounts[chunk] = changed
            }
        }
        var changed = 0
        for chunk in 0..<chunkCount { changed += chunkChanged[chunk] }
        return changed
    }
}
