import Clustering
import Testing

@testable import Segmentation

@Suite struct RFMScoringTests {
    @Test func quintilesOfTenDistinctValues() {
        let values = (1...10).map(Double.init)
        let scores = RFMScoring.quintileScores(
            values, isPresent: Array(repeating: true, count: 10), smallerIsBetter: false)
        #expect(scores == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    }

    @Test func smallerIsBetterReversesTheScale() {
        let values: [Double] = [1, 2, 3, 4, 5]
        let scores = RFMScoring.quintileScores(
            values, isPresent: Array(repeating: true, count: 5), smallerIsBetter: true)
        #expect(scores == [5, 4, 3, 2, 1])
    }

    @Test func tiesAreNeverSplit() {
        // Six customers with one order and four with more: the ties share the lowest score.
        let values: [Double] = [1, 1, 1, 1, 1, 1, 2, 3, 4, 5]
        let scores = RFMScoring.quintileScores(
            values, isPresent: Array(repeating: true, count: 10), smallerIsBetter: false)
        #expect(scores == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5])
    }

    @Test(arguments: [false, true])
    func scoresFollowTheDefinitionOnRandomValuesWithTies(smallerIsBetter: Bool) {
        // A fixed linear congruential sequence: the same values every run.
        var state: UInt64 = 11
        func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (state >> 33) % bound
        }
        let values = (0..<2_000).map { _ in Double(next(150)) / 4 }
        let isPresent = (0..<2_000).map { _ in next(10) > 0 }
        let scores = RFMScoring.quintileScores(values, isPresent: isPresent, smallerIsBetter: smallerIsBetter)
        let present = values.indices.filter { isPresent[$0] }
        for row in values.indices {
            guard isPresent[row] else {
                #expect(scores[row] == 0)
                continue
            }
            // 1 + floor(5 · (customers with a strictly worse value) / n).
            let worse = present.filter { smallerIsBetter ? values[$0] > values[row] : values[$0] < values[row] }.count
            #expect(scores[row] == 1 + 5 * worse / present.count, "row \(row)")
        }
    }

    /// The keys the scores are sorted by order negative values, both zeros (equal, so one run) and large values as
    /// `<` does.
    @Test(arguments: [false, true])
    func negativeValuesAndSignedZerosScoreByTheDefinition(smallerIsBetter: Bool) {
        var generator = SeededGenerator(seed: 5)
        let pool: [Double] = [-1e300, -3.5, -0.25, -0.0, 0.0, 0.25, 7, 1e300, .infinity, -.infinity]
        let values = (0..<3_000).map { _ in
            Bool.random(using: &generator)
                ? pool[Int.random(in: 0..<pool.count, using: &generator)]
                : Double(Int.random(in: -500...500, using: &generator)) / 8
        }
        let isPresent = values.map { _ in Int.random(in: 0..<8, using: &generator) > 0 }
        let scores = RFMScoring.quintileScores(values, isPresent: isPresent, smallerIsBetter: smallerIsBetter)
        let present = values.indices.filter { isPresent[$0] }
        for row in values.indices where isPresent[row] {
            let worse = present.filter { smallerIsBetter ? values[$0] > values[row] : values[$0] < values[row] }.count
            #expect(scores[row] == 1 + 5 * worse / present.count, "row \(row): \(values[row])")
        }
    }

    @Test func absentValuesScoreZeroAndDoNotCount() {
        let values: [Double] = [10, 0, 20]
        let scores = RFMScoring.quintileScores(values, isPresent: [true, false, true], smallerIsBetter: false)
        #expect(scores == [1, 0, 3])
    }

    @Test(arguments: [
        (5, 5, "Champions"), (4, 5, "Loyal Customers"), (5, 2, "Potential Loyalist"), (5, 1, "New Customers"),
        (4, 1, "Promising"), (3, 3, "Need Attention"), (3, 1, "About To Sleep"), (1, 5, "Can't Lose Them"),
        (2, 3, "At Risk"), (1, 1, "Lost"), (2, 2, "Hibernating"),
    ])
    func namedSegmentsFollowThePriorityOrder(recency: Int, frequency: Int, expected: String) {
        #expect(RFMScoring.segment(recency: recency, frequency: frequency) == expected)
    }
}
