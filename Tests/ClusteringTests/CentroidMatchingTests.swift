import Clustering
import Testing

@Suite struct CentroidMatchingTests {
    @Test func hungarianBeatsGreedyOnAHandCase() {
        // Greedy would pair current 0 with previous 0 (cost 1) and then current 1 with previous 1 (cost 100);
        // the optimum crosses over: 0→1 (cost 2) and 1→0 (cost 3).
        let costs: [Double] = [1, 2, 3, 100]
        #expect(optimalAssignment(costs: costs, rowCount: 2, columnCount: 2) == [1, 0])
        // The classic 3 × 3 example with optimum 5 + 3 + 2... rows → columns [1, 0, 2].
        let classic: [Double] = [4, 1, 3, 2, 0, 5, 3, 2, 2]
        #expect(optimalAssignment(costs: classic, rowCount: 3, columnCount: 3) == [1, 0, 2])
    }

    @Test func centroidsAreMatchedAfterPermutationAndDrift() {
        let previous = FeatureMatrix(rowCount: 3, columnCount: 2, values: [0, 0, 10, 0, 0, 10])
        let current = FeatureMatrix(rowCount: 3, columnCount: 2, values: [0.5, 9.5, 0.2, -0.1, 9.7, 0.4])
        #expect(matchCentroids(previous: previous, current: current) == [2, 0, 1])
    }

    @Test func rectangularMatchingLeavesTheExtraCentroidUnmatched() {
        let previous = FeatureMatrix(rowCount: 2, columnCount: 1, values: [0, 10])
        let current = FeatureMatrix(rowCount: 3, columnCount: 1, values: [10.2, 5, -0.3])
        #expect(matchCentroids(previous: previous, current: current) == [1, -1, 0])
        let fewer = FeatureMatrix(rowCount: 1, columnCount: 1, values: [9])
        #expect(matchCentroids(previous: previous, current: fewer) == [1])
    }
}

@Suite struct AdjustedRandIndexTests {
    @Test func matchesScikitLearnOnSmallCases() {
        // sklearn.metrics.adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) == 0.5714285714285714
        #expect(abs(ClusterMetrics.adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]) - 0.5714285714285714) < 1e-15)
        #expect(ClusterMetrics.adjustedRandIndex([0, 0, 1, 1], [5, 5, 3, 3]) == 1)
        // adjusted_rand_score([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2]) == -0.36363636363636365
        #expect(
            abs(ClusterMetrics.adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 1, 2, 0, 1, 2]) + 0.36363636363636365) < 1e-15)
    }
}
