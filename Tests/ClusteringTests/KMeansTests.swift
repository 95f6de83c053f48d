import Clustering
import Testing

@Suite struct KMeansTests {
    /// Gaussian-ish blobs from the seeded generator (sum of uniforms), large enough to span several chunks.
    static func blobs(rows: Int, columns: Int, centres: Int, seed: UInt64) -> FeatureMatrix {
        var generator = SeededGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(rows * columns)
        let offsets = (0..<(centres * columns)).map { _ in generator.nextUnit() * 20 - 10 }
        for row in 0..<rows {
            let centre = row % centres
            for column in 0..<columns {
                let noise = (0..<4).reduce(0.0) { total, _ in total + generator.nextUnit() } - 2
                values.append(offsets[centre * columns + column] + noise)
            }
        }
        return FeatureMatrix(rowCount: rows, columnCount: columns, values: values)
    }

    @Test(arguments: [KMeans.Algorithm.lloyd, .hamerly])
    func resultIsBitIdenticalForOneAndTwoThreads(algorithm: KMeans.Algorithm) throws {
        let x = Self.blobs(rows: 40_000, columns: 6, centres: 5, seed: 3)
        let one = try KMeans(k: 5, seed: 42, restarts: 2, threadCount: 1, algorithm: algorithm).fit(x)
        let two = try KMeans(k: 5, seed: 42, restarts: 2, threadCount: 2, algorithm: algorithm).fit(x)
        #expect(one.labels == two.labels)
        #expect(one.centroids.values.map(\.bitPattern) == two.centroids.values.map(\.bitPattern))
        #expect(one.inertia.bitPattern == two.inertia.bitPattern)
        #expect(one.distances.map(\.bitPattern) == two.distances.map(\.bitPattern))
        #expect(one.iterations == two.iterations)
    }

    @Test func lloydAndHamerlyAgree() throws {
        let x = Self.blobs(rows: 20_000, columns: 3, centres: 6, seed: 9)
        let lloyd = try KMeans(k: 6, seed: 1, restarts: 1, algorithm: .lloyd).fit(x)
        let hamerly = try KMeans(k: 6, seed: 1, restarts: 1, algorithm: .hamerly).fit(x)
        #expect(ClusterMetrics.adjustedRandIndex(lloyd.labels, hamerly.labels) == 1.0)
        #expect(abs(lloyd.inertia - hamerly.inertia) <= 1e-9 * lloyd.inertia)
    }

    @Test(arguments: [KMeans.Algorithm.lloyd, .hamerly])
    func emptyClusterIsRelocatedToTheFarthestPoint(algorithm: KMeans.Algorithm) throws {
        // Two tight groups and one outlier; the third starting centre is far from everything, so it gets no point.
        let x = FeatureMatrix(
            rowCount: 7, columnCount: 2,
            values: [0, 0, 0.1, 0, 0, 0.1, 5, 5, 5.1, 5, 5, 5.1, 20, 0])
        let start = FeatureMatrix(rowCount: 3, columnCount: 2, values: [0, 0, 5, 5, 1000, 1000])
        let result = try KMeans(k: 3, initialCentroids: start).fit(x)
        let fitted = try KMeans(k: 3, algorithm: algorithm, initialCentroids: start).fit(x)
        #expect(result.relocations >= 1)
        #expect(fitted.relocations >= 1)
        for fit in [result, fitted] {
            #expect(fit.clusterSizes.sorted() == [1, 3, 3])
            #expect(fit.labels[6] != fit.labels[0] && fit.labels[6] != fit.labels[3])
            let outlier = Int(fit.labels[6])
            #expect(fit.centroids[outlier, 0] == 20 && fit.centroids[outlier, 1] == 0)
        }
    }

    @Test func integerWeightsEqualRepeatedRows() throws {
        let x = Self.blobs(rows: 300, columns: 2, centres: 3, seed: 5)
        let weights = (0..<300).map { Double($0 % 3 + 1) }
        var repeated: [Double] = []
        for row in 0..<300 {
            for _ in 0..<Int(weights[row]) { repeated.append(contentsOf: x.row(row)) }
        }
        let expanded = FeatureMatrix(rowCount: repeated.count / 2, columnCount: 2, values: repeated)
        let weighted = try KMeans(k: 3, seed: 2, restarts: 5).fit(x, weights: weights)
        let plain = try KMeans(k: 3, seed: 2, restarts: 5).fit(expanded)
        #expect(abs(weighted.inertia - plain.inertia) <= 1e-9 * plain.inertia)
        #expect(weighted.clusterWeights.reduce(0, +) == weights.reduce(0, +))
    }

    @Test func kEqualToTheRowCountGivesOnePointPerCluster() throws {
        let x = FeatureMatrix(rowCount: 5, columnCount: 1, values: [0, 1, 2, 3, 4])
        let result = try KMeans(k: 5, seed: 3).fit(x)
        #expect(result.clusterSizes == [1, 1, 1, 1, 1])
        #expect(result.inertia == 0)
    }

    @Test func invalidArgumentsThrow() {
        let x = FeatureMatrix(rowCount: 2, columnCount: 1, values: [0, 1])
        #expect(throws: ClusteringError.self) { try KMeans(k: 3).fit(x) }
        #expect(throws: ClusteringError.self) { try KMeans(k: 1).fit(x, weights: [1]) }
    }

    @Test func featureMatrixRoundTripsRowsAndColumns() {
        let byColumns = FeatureMatrix(columns: [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13, 14, 15]])
        #expect(byColumns.rowCount == 3 && byColumns.columnCount == 5)
        #expect(byColumns[1, 3] == 11)
        #expect(byColumns.values == [1, 4, 7, 10, 13, 2, 5, 8, 11, 14, 3, 6, 9, 12, 15])
        #expect(FeatureMatrix(rowCount: 3, columnCount: 5, values: byColumns.values) == byColumns)
    }

    @Test func chooseKPrefersTheTrueNumberOfBlobs() throws {
        let x = Self.blobs(rows: 1200, columns: 2, centres: 4, seed: 11)
        let selections = try KMeans(k: 2, seed: 3, restarts: 3).chooseK(x, range: 2...7)
        #expect(selections.map(\.k) == Array(2...7))
        #expect(KMeans.bestK(selections) == 4)
    }
}

@Suite struct MiniBatchKMeansTests {
    @Test func miniBatchInertiaIsCloseToFullKMeans() throws {
        let x = KMeansTests.blobs(rows: 50_000, columns: 4, centres: 6, seed: 8)
        let full = try KMeans(k: 6, seed: 1, restarts: 3).fit(x)
        let mini = try MiniBatchKMeans(k: 6, seed: 1).fit(x)
        #expect(mini.inertia <= full.inertia * 1.02, "mini-batch \(mini.inertia) vs full \(full.inertia)")
        #expect(mini.clusterSizes.reduce(0, +) == 50_000)
    }

    @Test func miniBatchIsDeterministicAcrossThreadCounts() throws {
        let x = KMeansTests.blobs(rows: 30_000, columns: 3, centres: 4, seed: 2)
        let one = try MiniBatchKMeans(k: 4, seed: 5, threadCount: 1).fit(x)
        let two = try MiniBatchKMeans(k: 4, seed: 5, threadCount: 2).fit(x)
        #expect(one.labels == two.labels)
        #expect(one.centroids.values.map(\.bitPattern) == two.centroids.values.map(\.bitPattern))
    }
}
