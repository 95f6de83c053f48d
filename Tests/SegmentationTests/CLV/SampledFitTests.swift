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

    /// The optimizer's warm start: the sample's objective is searched first, the whole one only polishes, and both
    /// ways end at the same optimum (a Poisson regression's mean negative log-likelihood over 4,096 points).
    @Test func aWarmStartFromASampleNeedsFewerWholeEvaluations() {
        let u = (0..<4096).map { sin(Double($0) * 0.37) }
        let y = u.enumerated().map { index, value in (exp(0.3 + 0.8 * value) + Double(index % 3)).rounded() }
        final class Counter: @unchecked Sendable { var count = 0 }
        func objective(every step: Int, _ counter: Counter) -> LikelihoodOptimizer.Objective {
            let rows = Array(stride(from: 0, to: u.count, by: step))
            return { theta in
                counter.count += 1
                var value = 0.0
                var gradient = [0.0, 0.0]
                for row in rows {
                    let eta = theta[0] + theta[1] * u[row]
                    value += exp(eta) - y[row] * eta
                    gradient[0] += exp(eta) - y[row]
                    gradient[1] += (exp(eta) - y[row]) * u[row]
                }
                let n = Double(rows.count)
                return (value / n, gradient.map { $0 / n })
            }
        }
        let (alone, sampleCalls, wholeCalls) = (Counter(), Counter(), Counter())
        let direct = LikelihoodOptimizer.minimize(start: [3, -3], objective: objective(every: 1, alone))
        let warm = LikelihoodOptimizer.minimize(
            start: [3, -3], sample: objective(every: 16, sampleCalls), objective: objective(every: 1, wholeCalls))
        #expect(sampleCalls.count > 0)
        #expect(wholeCalls.count < alone.count, "whole evaluations \(wholeCalls.count) against \(alone.count)")
        #expect(warm.evaluations == wholeCalls.count)
        for (a, b) in zip(warm.point, direct.point) { #expect(abs(a - b) < 1e-7) }
        #expect(warm.gradientNorm < 1e-8)
    }

    /// Every 16th usable customer of the Gamma-Gamma observations, with ln m.
    @Test func aSubsampleOfSpendKeepsEveryStepthCustomer() throws {
        let summary = try Self.dailySummary()
        let data = try GammaGammaModel.Observations(
            frequency: summary.frequency, monetaryValue: summary.monetaryValue)
        let sample = data.sampled(every: 16)
        let picked = Array(stride(from: 0, to: data.count, by: 16))
        #expect(sample.count == picked.count && sample.count > 0)
        #expect(sample.frequency == picked.map { data.frequency[$0] })
        #expect(sample.monetaryValue == picked.map { data.monetaryValue[$0] })
        #expect(sample.logMonetaryValue == picked.map { data.logMonetaryValue[$0] })
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

/// The distinct (x, T) pairs of the predictions: whole-day values through the dense table, others hashed; either
/// way every customer with purchases points at its own pair, every pair once, customers without purchases at none.
@Suite struct DistinctPairTests {
    static func check(_ summary: CLVSummary) {
        let (pairs, pairOfCustomer) = CustomerLifetimeValue.distinctPairs(summary)
        var expected = Set<[Double]>()
        for customer in 0..<summary.count {
            guard summary.purchaseDays[customer] > 0 else {
                #expect(pairOfCustomer[customer] == -1)
                continue
            }
            expected.insert([summary.frequency[customer], summary.age[customer]])
            let pair = pairs[Int(pairOfCustomer[customer])]
            #expect(pair.frequency == summary.frequency[customer] && pair.age == summary.age[customer])
        }
        #expect(pairs.count == expected.count)
        #expect(Set(pairs.map { [$0.frequency, $0.age] }) == expected)
    }

    @Test func wholeDayPairsAndFractionalOnesAreEachFoundOnce() throws {
        // Days: the dense table (customer 3 has no purchases).
        let days = CLVSummary(
            frequency: [2, 0, 2, 0, 5, 2], recency: [10, 0, 10, 0, 40, 3], age: [30, 7, 30, 0, 60, 31],
            monetaryValue: [10, 0, 12, 0, 9, 4], purchaseDays: [3, 1, 3, 0, 6, 3])
        Self.check(days)
        // Numbered in (x, T) order through the table (hashing numbers them in order of first appearance).
        let dense = CustomerLifetimeValue.distinctPairs(days).pairs.map { [$0.frequency, $0.age] }
        #expect(dense == [[0, 7], [2, 30], [2, 31], [5, 60]])
        // Weeks (fractional T): hashed.
        let weeks = CLVSummary(
            frequency: [1, 1, 0, 3], recency: [2.5, 2.5, 0, 7], age: [4.25, 4.25, 1.5, 8.75],
            monetaryValue: [5, 6, 0, 7], purchaseDays: [2, 2, 1, 4])
        Self.check(weeks)
        #expect(CustomerLifetimeValue.distinctPairs(weeks).pairs.map(\.frequency) == [1, 0, 3])
    }
}
