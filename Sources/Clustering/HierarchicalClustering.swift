/// Agglomerative clustering with fastcluster's algorithms and SciPy's output conventions.
///
/// | linkage | algorithm | extra memory |
/// |---|---|---|
/// | ward | nearest-neighbour chain on centroids (fastcluster `linkage_vector`) | O(n·d) |
/// | single | Prim's minimum spanning tree, distances on the fly | O(n·d) |
/// | complete, average | nearest-neighbour chain on the condensed distance matrix | 8·n(n−1)/2 bytes |
///
/// All run in O(n²·d) time. For complete and average linkage above ``condensedMemoryLimit`` use
/// ``twoStage(_:microClusters:linkage:seed:threadCount:)``.
public enum HierarchicalClustering {
    /// Largest condensed distance matrix, in bytes, that complete and average linkage may allocate.
    ///
    /// 1 GiB, i.e. about 16 000 points.
    public static let condensedMemoryLimit = 1 << 30

    /// Clusters the rows of `x` and returns the full dendrogram.
    ///
    /// - Parameters:
    ///   - x: n × d points (Euclidean distances).
    ///   - linkage: the inter-cluster distance.
    ///   - weights: optional positive weight (multiplicity) per row, e.g. micro-cluster sizes; Ward and
    ///     average treat a row of weight w as w coincident points. `nil` means 1 each.
    ///   - memoryLimit: bytes allowed for a condensed distance matrix (complete/average only).
    ///   - threadCount: workers for building the condensed matrix (complete/average); the chains and Prim's
    ///     tree run on one thread. The result never depends on it.
    /// - Throws: ``ClusteringError/Code/tooLarge`` when complete/average linkage would exceed `memoryLimit`;
    ///   ``ClusteringError/Code/invalidArgument`` for mismatched weights.
    /// - Complexity: O(n²·d) time; memory as in the table above.
    public static func fit(
        _ x: FeatureMatrix, linkage: Linkage, weights: [Double]? = nil,
        memoryLimit: Int = condensedMemoryLimit, threadCount: Int? = nil
    ) throws(ClusteringError) -> Dendrogram {
        let n = x.rowCount
        if let weights, weights.count != n || weights.contains(where: { !($0 > 0) || !$0.isFinite }) {
            throw ClusteringError(
                .invalidArgument,
                "hierarchical clustering: weights must be \(n) finite positive values (got \(weights.count))")
        }
        if n <= 1 { return Dendrogram(leafCount: n, recorded: [], leafWeights: weights) }
        let threads = max(1, threadCount ?? Parallel.defaultThreadCount)
        switch linkage {
        case .ward:
            switch x.stride {
            case 4: return wardChain(x, weights: weights, kernel: DistanceKernel4.self)
            case 8: return wardChain(x, weights: weights, kernel: DistanceKernel8.self)
            default: return wardChain(x, weights: weights, kernel: DistanceKernelAny.self)
            }
        case .single:
            switch x.stride {
            case 4: return primSpanningTree(x, weights: weights, kernel: DistanceKernel4.self)
            case 8: return primSpanningTree(x, weights: weights, kernel: DistanceKernel8.self)
            default: return primSpanningTree(x, weights: weights, kernel: DistanceKernelAny.self)
            }
        case .complete, .average:
            let bytes = n.multipliedReportingOverflow(by: n - 1)
            guard !bytes.overflow, bytes.partialValue / 2 <= memoryLimit / 8 else {
                throw ClusteringError(
                    .tooLarge,
                    "\(linkage.rawValue) linkage on \(n) points needs a \(n)·\(n - 1)/2 distance matrix "
                        + "(\(bytes.partialValue / 2 * 8 / 1_048_576) MiB), above the limit of "
                        + "\(memoryLimit / 1_048_576) MiB; use ward or single linkage, or "
                        + "HierarchicalClustering.twoStage to cluster k-means micro-clusters instead")
            }
            return matrixChain(x, linkage: linkage, weights: weights, threadCount: threads)
        }
    }

    // MARK: - Ward: nearest-neighbour chain on centroids

    /// Ward's method by nearest-neighbour chain on cluster centroids and sizes (Lance–Williams on vectors).
    ///
    /// Active clusters are kept compact in slots `0..<active` so every nearest-neighbour scan is one
    /// contiguous SIMD pass.
    static func wardChain<Kernel: DistanceKernel>(
        _ x: FeatureMatrix, weights: [Double]?, kernel: Kernel.Type
    ) -> Dendrogram {
        let n = x.rowCount, stride = x.stride
        var centroids = x.storage
        var sizes = weights ?? [Double](repeating: 1, count: n)
        var representative = Array(0..<n)
        var recorded: [(Int, Int, Double)] = []
        recorded.reserveCapacity(n - 1)
        var chain: [Int] = []
        var active = n
        centroids.withUnsafeMutableBufferPointer { centroidBuffer in
            sizes.withUnsafeMutableBufferPointer { sizeBuffer in
                guard let c = centroidBuffer.baseAddress, let size = sizeBuffer.baseAddress else { return }
                while active > 1 {
                    if chain.isEmpty { chain.append(0) }
                    var a = 0, b = 0
                    var best = Double.infinity
                    while true {
                        a = chain[chain.count - 1]
                        let previous = chain.count >= 2 ? chain[chain.count - 2] : -1
                        let rowA = UnsafePointer(c + a * stride)
                        let sizeA = size[a]
                        best = .infinity
                        var nearest = -1
                        if previous >= 0 {
                            let sizeB = size[previous]
                            best =
                                Kernel.squaredDistance(rowA, c + previous * stride, stride: stride)
                                * (sizeA * sizeB / (sizeA + sizeB))
                            nearest = previous
                        }
                        // Scan in index order keeping the first strict minimum (ties prefer `previous`).
                        let found = wardNearest(
                            rowA, sizeA, skip: a, range: 0..<active, centroids: c, sizes: size, stride: stride,
                            kernel: Kernel.self)
                        if found.distance < best {
                            best = found.distance
                            nearest = found.index
                        }
                        if nearest == previous {
                            b = previous
                            break
                        }
                        chain.append(nearest)
                    }
                    chain.removeLast(2)
                    recorded.append((representative[a], representative[b], (2 * best).squareRoot()))
                    // Merge into the lower slot; the last active slot fills the upper one.
                    let low = min(a, b), high = max(a, b)
                    let sizeLow = size[low], sizeHigh = size[high], total = sizeLow + sizeHigh
                    for f in 0..<stride {
                        c[low * stride + f] = (sizeLow * c[low * stride + f] + sizeHigh * c[high * stride + f]) / total
                    }
                    size[low] = total
                    let last = active - 1
                    if high != last {
                        for f in 0..<stride { c[high * stride + f] = c[last * stride + f] }
                        size[high] = size[last]
                        representative[high] = representative[last]
                        for index in chain.indices where chain[index] == last { chain[index] = high }
                    }
                    active -= 1
                }
            }
        }
        return Dendrogram(leafCount: n, recorded: recorded, leafWeights: weights)
    }

    /// The first slot in `range` (other than `skip`) with the smallest Ward cost to `row`.
    @inline(__always)
    static func wardNearest<Kernel: DistanceKernel>(
        _ row: UnsafePointer<Double>, _ sizeA: Double, skip: Int, range: Range<Int>,
        centroids c: UnsafePointer<Double>, sizes size: UnsafePointer<Double>, stride: Int, kernel: Kernel.Type
    ) -> (distance: Double, index: Int) {
        var best = Double.infinity
        var nearest = -1
        for j in range where j != skip {
            let sizeJ = size[j]
            let distance =
                Kernel.squaredDistance(row, c + j * stride, stride: stride) * (sizeA * sizeJ / (sizeA + sizeJ))
            if distance < best {
                best = distance
                nearest = j
            }
        }
        return (best, nearest)
    }

    // MARK: - Single: Prim's minimum spanning tree

    /// Single linkage from a minimum spanning tree grown by Prim's algorithm (fastcluster `MST_linkage_core`).
    static func primSpanningTree<Kernel: DistanceKernel>(
        _ x: FeatureMatrix, weights: [Double]?, kernel: Kernel.Type
    ) -> Dendrogram {
        let n = x.rowCount, stride = x.stride
        var points = x.storage
        var index = Array(0..<n)
        var nearest = [Double](repeating: .infinity, count: n)
        var recorded: [(Int, Int, Double)] = []
        recorded.reserveCapacity(n - 1)
        points.withUnsafeMutableBufferPointer { pointBuffer in
            nearest.withUnsafeMutableBufferPointer { nearestBuffer in
                guard let p = pointBuffer.baseAddress, let near = nearestBuffer.baseAddress else { return }
                // Slot 0 is the tree's first vertex; slots 0..<active hold the vertices not yet in the tree.
                var current = [Double](repeating: 0, count: stride)
                for f in 0..<stride { current[f] = p[f] }
                var currentIndex = index[0]
                var active = n
                // Remove slot 0.
                let lastSlot = active - 1
                for f in 0..<stride { p[f] = p[lastSlot * stride + f] }
                index[0] = index[lastSlot]
                active -= 1
                current.withUnsafeMutableBufferPointer { currentBuffer in
                    guard let row = currentBuffer.baseAddress else { return }
                    while active > 0 {
                        var best = Double.infinity
                        var bestSlot = 0
                        for slot in 0..<active {
                            let distance = Kernel.squaredDistance(row, p + slot * stride, stride: stride)
                            if distance < near[slot] { near[slot] = distance }
                            if near[slot] < best {
                                best = near[slot]
                                bestSlot = slot
                            }
                        }
                        recorded.append((currentIndex, index[bestSlot], best.squareRoot()))
                        for f in 0..<stride { row[f] = p[bestSlot * stride + f] }
                        currentIndex = index[bestSlot]
                        let last = active - 1
                        if bestSlot != last {
                            for f in 0..<stride { p[bestSlot * stride + f] = p[last * stride + f] }
                            index[bestSlot] = index[last]
                            near[bestSlot] = near[last]
                        }
                        active -= 1
                    }
                }
            }
        }
        return Dendrogram(leafCount: n, recorded: recorded, leafWeights: weights)
    }

    // MARK: - Complete and average: nearest-neighbour chain on a condensed matrix

    /// Complete or average linkage by nearest-neighbour chain over the condensed distance matrix
    /// (fastcluster `NN_chain_core`); the merged cluster keeps the larger index.
    static func matrixChain(_ x: FeatureMatrix, linkage: Linkage, weights: [Double]?, threadCount: Int) -> Dendrogram {
        let n = x.rowCount, stride = x.stride
        var matrix = [Double](repeating: 0, count: n * (n - 1) / 2)
        // Row i of the condensed matrix starts at offset(i) and holds d(i, j) for j > i.
        @inline(__always) func offset(_ i: Int) -> Int { i * (2 * n - i - 1) / 2 - i - 1 }
        matrix.withUnsafeMutableBufferPointer { buffer in
            x.storage.withUnsafeBufferPointer { points in
                guard let out = buffer.baseAddress, let input = points.baseAddress else { return }
                let shared = SharedPointer(out)
                let rows = SharedConstPointer(input)
                Parallel.forEachChunk(n - 1, threadCount: threadCount) { i in
                    let base = i * (2 * n - i - 1) / 2 - i - 1
                    for j in (i + 1)..<n {
                        shared[base + j] = squaredDistance(
                            rows.base + i * stride, rows.base + j * stride,
                            stride: stride
                        ).squareRoot()
                    }
                }
            }
        }
        var sizes = weights ?? [Double](repeating: 1, count: n)
        var activeList = Array(0..<n)
        var recorded: [(Int, Int, Double)] = []
        recorded.reserveCapacity(n - 1)
        var chain: [Int] = []
        let isAverage = linkage == .average
        matrix.withUnsafeMutableBufferPointer { buffer in
            guard let d = buffer.baseAddress else { return }
            @inline(__always) func position(_ i: Int, _ j: Int) -> Int {
                i < j ? offset(i) + j : offset(j) + i
            }
            while activeList.count > 1 {
                if chain.isEmpty { chain.append(activeList[0]) }
                var a = 0, b = 0
                var best = Double.infinity
                while true {
                    a = chain[chain.count - 1]
                    let previous = chain.count >= 2 ? chain[chain.count - 2] : -1
                    var nearest = -1
                    best = .infinity
                    if previous >= 0 {
                        best = d[position(a, previous)]
                        nearest = previous
                    }
                    for j in activeList where j != a {
                        let distance = d[position(a, j)]
                        if distance < best {
                            best = distance
                            nearest = j
                        }
                    }
                    if nearest == previous {
                        b = previous
                        break
                    }
                    chain.append(nearest)
                }
                chain.removeLast(2)
                let low = min(a, b), high = max(a, b)
                recorded.append((low, high, best))
                // Remove `low`; the merged cluster lives at `high`.
                if let removal = activeList.firstIndex(of: low) { activeList.remove(at: removal) }
                let sizeLow = sizes[low], sizeHigh = sizes[high]
                for j in activeList where j != high {
                    let toLow = d[position(j, low)]
                    let toHigh = position(j, high)
                    if isAverage {
                        d[toHigh] = (sizeLow * toLow + sizeHigh * d[toHigh]) / (sizeLow + sizeHigh)
                    } else {
                        d[toHigh] = max(toLow, d[toHigh])
                    }
                }
                sizes[high] = sizeLow + sizeHigh
            }
        }
        return Dendrogram(leafCount: n, recorded: recorded, leafWeights: weights)
    }
}
