import Clustering
import Testing

@Suite struct HierarchicalTests {
    @Test func cutAtHeightFollowsTheMerges() throws {
        let x = FeatureMatrix(rowCount: 5, columnCount: 1, values: [0, 1, 10, 11.5, 30])
        let dendrogram = try HierarchicalClustering.fit(x, linkage: .single)
        #expect(dendrogram.merges.map(\.height) == [1, 1.5, 9, 18.5])
        #expect(dendrogram.cut(height: 1.2) == [0, 0, 1, 2, 3])
        #expect(dendrogram.cut(height: 9.5) == [0, 0, 0, 0, 1])
        #expect(dendrogram.cut(k: 3) == [0, 0, 1, 1, 2])
        #expect(dendrogram.linkageMatrix[1] == [2, 3, 1.5, 2])
        #expect(dendrogram.csv.hasPrefix("a,b,height,size\n0,1,1.0,2.0\n"))
    }

    @Test func weightedWardEqualsWardOnRepeatedPoints() throws {
        // A point of weight 2 behaves as two coincident points: same heights once the zero merge is dropped.
        let x = FeatureMatrix(rowCount: 4, columnCount: 2, values: [0, 0, 1, 0, 5, 5, 6, 7])
        let weighted = try HierarchicalClustering.fit(x, linkage: .ward, weights: [2, 1, 1, 3])
        let repeated = FeatureMatrix(
            rowCount: 7, columnCount: 2, values: [0, 0, 0, 0, 1, 0, 5, 5, 6, 7, 6, 7, 6, 7])
        let plain = try HierarchicalClustering.fit(repeated, linkage: .ward)
        let plainHeights = plain.merges.map(\.height).filter { $0 > 0 }
        let weightedHeights = weighted.merges.map(\.height)
        #expect(plainHeights.count == weightedHeights.count)
        for (a, b) in zip(plainHeights, weightedHeights) { #expect(abs(a - b) <= 1e-12 * max(a, 1)) }
        #expect(weighted.merges.last?.size == 7)
    }

    @Test func condensedLinkageRefusesAboveTheMemoryLimit() {
        let x = KMeansTests.blobs(rows: 2000, columns: 2, centres: 3, seed: 1)
        #expect(throws: ClusteringError.self) {
            try HierarchicalClustering.fit(x, linkage: .complete, memoryLimit: 1 << 20)
        }
    }

    @Test func twoStageRecoversWellSeparatedBlobs() throws {
        let x = KMeansTests.blobs(rows: 5000, columns: 3, centres: 4, seed: 21)
        let truth = (0..<5000).map { Int32($0 % 4) }
        let result = try HierarchicalClustering.twoStage(x, microClusters: 200, seed: 4)
        #expect(result.dendrogram.leafCount <= 200)
        #expect(result.dendrogram.merges.last?.size == 5000)
        #expect(ClusterMetrics.adjustedRandIndex(result.cut(k: 4), truth) == 1.0)
    }

    @Test(arguments: Linkage.allCases)
    func tinyAndDuplicateInputsWork(linkage: Linkage) throws {
        let one = FeatureMatrix(rowCount: 1, columnCount: 2, values: [1, 2])
        #expect(try HierarchicalClustering.fit(one, linkage: linkage).merges.isEmpty)
        let two = FeatureMatrix(rowCount: 2, columnCount: 2, values: [0, 0, 3, 4])
        let pair = try HierarchicalClustering.fit(two, linkage: linkage)
        #expect(pair.linkageMatrix == [[0, 1, 5, 2]])
        let duplicates = FeatureMatrix(rowCount: 4, columnCount: 1, values: [1, 1, 1, 4])
        let merged = try HierarchicalClustering.fit(duplicates, linkage: linkage)
        #expect(merged.merges.map(\.height).prefix(2) == [0, 0])
        #expect(merged.cut(k: 2) == [0, 0, 0, 1])
    }
}
