import Testing

@testable import Segmentation

@Suite struct ProgressEstimateTests {
    @Test func halfDoneAfterTenSecondsLeavesTenSeconds() {
        let estimate = ProgressEstimate(done: 50, total: 100, elapsedSeconds: 10)
        #expect(estimate.fractionDone == 0.5)
        #expect(estimate.remainingSeconds == 10)
        #expect(estimate.summary == "50%  ETA 10s")
    }

    @Test func remainingTimeFollowsTheAverageRate() {
        // 1 GiB of 4 GiB in 30 s: three more quarters at the same rate take 90 s.
        let estimate = ProgressEstimate(done: 1 << 30, total: 4 << 30, elapsedSeconds: 30)
        #expect(estimate.remainingSeconds == 90)
        #expect(estimate.summary == "25%  ETA 1m30s")
    }

    @Test func unknownTotalGivesNoEstimate() {
        let estimate = ProgressEstimate(done: 1_000, total: nil, elapsedSeconds: 5)
        #expect(estimate.fractionDone == nil)
        #expect(estimate.remainingSeconds == nil)
        #expect(estimate.summary == nil)
        #expect(ProgressEstimate(done: 0, total: 0, elapsedSeconds: 5).summary == nil)
    }

    @Test func nothingDoneYetHasNoRateAndNoETA() {
        let estimate = ProgressEstimate(done: 0, total: 100, elapsedSeconds: 12)
        #expect(estimate.remainingSeconds == nil)
        #expect(estimate.summary == "0%")
        #expect(ProgressEstimate(done: 10, total: 100, elapsedSeconds: 0).remainingSeconds == nil)
    }

    @Test func noETABeforeTheFirstSecond() {
        let estimate = ProgressEstimate(done: 50, total: 100, elapsedSeconds: 0.4)
        #expect(estimate.remainingSeconds == 0.4)
        #expect(estimate.summary == "50%")
    }

    @Test func finishedOrOvershotWorkLeavesNothing() {
        let finished = ProgressEstimate(done: 100, total: 100, elapsedSeconds: 3)
        #expect(finished.remainingSeconds == 0)
        #expect(finished.summary == "100%")
        // A file that grew while it was read: never more than 100 % or a negative time.
        let overshot = ProgressEstimate(done: 130, total: 100, elapsedSeconds: 3)
        #expect(overshot.fractionDone == 1)
        #expect(overshot.remainingSeconds == 0)
        #expect(overshot.summary == "100%")
        // Almost done shows the share rounded down, never 100 % early.
        #expect(ProgressEstimate(done: 999, total: 1_000, elapsedSeconds: 9.99).summary == "99%  ETA 0s")
    }

    @Test(arguments: [
        (0.0, "0s"), (0.4, "0s"), (9.6, "10s"), (59.0, "59s"), (60.0, "1m00s"), (245.0, "4m05s"),
        (3599.4, "59m59s"), (3600.0, "1h00m"), (7620.0, "2h07m"), (360_000.0, ">99h"), (Double.infinity, ">99h"),
        (-3.0, "0s"),
    ])
    func durationsAreShortAndRounded(seconds: Double, text: String) {
        #expect(ProgressEstimate.duration(seconds) == text)
    }
}
