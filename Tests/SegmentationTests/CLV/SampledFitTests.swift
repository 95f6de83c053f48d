import Foundation
import Testing

@testable import Segmentation

/// On many customers the fits search over a subsample first and then over all of them from there; they must end at
/// the optimum the search over all of them alone finds (the thresholds are lowered here to reach them on CDNOW).
@Suite struct SampledFitTests {
    /// CDNOW's transactions summarised per day (whole-day recency and age, as the features stage has them).
    static func dailySummary() throws -> CLVSummary {
        let transactions = try CLVFixtures.cdnowTransactions()
        let first = transactions.customerID.min() ?? 0
        let customers = (transactions.customerID.max() ?? 0) - first + 1
        return try CLVSummary(
            customerCount: customers, customerIndex: transactions.customerID.map { Int32($0 - first) },
            orderDay: transactions.day, amount: transactions.amount,
            observationDay: CLVFixtures.daysSince1970(year: 1997, month: 9, day: 30))
    }

    @Test func gammaGammaFromASubsampleEndsAtTheSameOptimum() throws {
        let summary = try Self.dailySummary()
        let direct = try GammaGammaModel.fit(
            frequency: summary.frequency, monetaryValue: summary.monetaryValue, penalizer: 0, sampledFrom: .max)
        let sampled = try GammaGammaModel.fit(
            frequency: summary.frequency, monetaryValue: summary.monetaryValue, penalizer: 0, sampledFrom: 64)
        for (value, expected) in [(sampled.p, direct.p), (sampled.q, direct.q), (sampled.v, direct.v)] {
            #expect(CLVFixtures.relativeDifference(value, expected) < 1e-6)
        }
        let directLL = try direct.meanLogLikelihood(frequency: summary.frequency, monetaryValue: summary.monetaryValue)
        let sampledLL = try sampled.meanLogLikelihood(
            frequency: summary.frequency, monetaryValue: summary.monetaryValue)
        #expect(abs(sampledLL - directLL) < 1e-12 * max(1, abs(directLL)))
    }

    @Test func betaGeometricFromASubsampleOfPatternsEndsAtTheSameOptimum() throws {
        let summary = try Self.dailySummary()
        let patterns = try BetaGeometricModel.Observations(
            frequency: summary.frequency, recency: summary.recency, age: summary.age)
        #expect(!patterns.ageDay.isEmpty, "whole-day patterns")
        let direct = try BetaGeometricModel.fit(
            frequency: summary.frequency, recency: summary.recency, age: summary.age, penalizer: 0,
            sampledFrom: .max)
        let sampled = try BetaGeometricModel.fit(
            frequency: summary.frequency, recency: summary.recency, age: summary.age, penalizer: 0,
            sampledFrom: 64)
        for (value, expected) in [
            (sampled.r, direct.r), (sampled.alpha, direct.alpha), (sampled.a, direct.a), (sampled.b, direct.b),
        ] {
            #expect(CLVFixtures.relativeDifference(value, expected) < 1e-6)
        }
        let directLL = try direct.meanLogLikelihood(
            frequency: summary.frequency, recency: summary.recency, age: summary.age)
        let sampledLL = try sampled.meanLogLikelihood(
            frequency: summary.frequency, recency: summary.recency, age: summary.age)
        #expect(abs(sampledLL - directLL) < 1e-12 * max(1, abs(directLL)))
    }

    /// Every 16th pattern keeps its weight; the per-frequency weights and totals are those of the subsample.
    @Test func aSubsampleOfPatternsCountsItsOwnWeights() throws {
        let summary = try Self.dailySummary()
        let patterns = try BetaGeometricModel.Observations(
            frequency: summary.frequency, recency: summary.recency, age: summary.age)
        let sample = patterns.sampled(every: 16)
        let picked = Array(stride(from: 0, to: patterns.frequency.count, by: 16))
        #expect(sample.frequency == picked.map { patterns.frequency[$0] })
        #expect(sample.weight == picked.map { patterns.weight[$0] })
        #expect(sample.ageDay == picked.map { patterns.ageDay[$0] })
        #expect(sample.totalWeight == sample.weight.reduce(0, +))
        #expect(sample.weightPerFrequency.reduce(0, +) == sample.totalWeight)
        let repeatWeight = zip(sample.frequency, sample.weight).filter { $0.0 > 0 }.reduce(0) { $0 + $1.1 }
        #expect(Double(sample.repeatCustomers) == repeatWeight)
    }
}
