import Testing

@testable import Segmentation

@Suite struct DedupeEvaluationTests {
    @Test func pairwiseScoresCountPairsWithinGroups() {
        // Truth: {A, B, C} (3 pairs) and {D, E} (1 pair).
        // Predicted: {A, B} (true), {C, D} (false), {E} alone, {F, G} (false).
        let scores = DedupeEvaluation.pairwise(
            predictedGroups: [["A", "B"], ["C", "D"], ["E"], ["F", "G"]],
            truthGroups: [["A", "B", "C"], ["D", "E"]])
        #expect(scores.truePairs == 1)
        #expect(scores.predictedPairs == 3)
        #expect(scores.truthPairs == 4)
        #expect(scores.precision == 1.0 / 3)
        #expect(scores.recall == 0.25)
        #expect(abs(scores.f1 - 2.0 / 7) < 1e-12)
    }

    @Test func perfectPredictionScoresOne() {
        let groups = [["C1", "C9"], ["C2", "C3", "C4"]]
        let scores = DedupeEvaluation.pairwise(predictedGroups: groups.reversed(), truthGroups: groups)
        #expect(scores.precision == 1 && scores.recall == 1 && scores.f1 == 1)
        #expect(scores.truePairs == 4)
    }

    @Test func nothingPredictedHasPrecisionOneAndRecallZero() {
        let scores = DedupeEvaluation.pairwise(predictedGroups: [], truthGroups: [["A", "B"]])
        #expect(scores.precision == 1)
        #expect(scores.recall == 0)
        #expect(scores.f1 == 0)
    }
}
