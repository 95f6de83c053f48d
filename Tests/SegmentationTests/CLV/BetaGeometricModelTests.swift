import Clustering
import Foundation
import Testing

@testable import Segmentation

@Suite struct BetaGeometricModelTests {
    static func weeklySummary() throws -> (frequency: [Double], recency: [Double], age: [Double]) {
        let columns = try CLVFixtures.numericColumns("cdnow_customers_summary.csv")
        return (columns["frequency"] ?? [], columns["recency"] ?? [], columns["T"] ?? [])
    }

    @Test func cdnowFitMatchesPublishedParameters() throws {
        let data = try Self.weeklySummary()
        #expect(data.frequency.count == 2357)
        let model = try BetaGeometricModel.fit(frequency: data.frequency, recency: data.recency, age: data.age)
        let published = try CLVFixtures.reference().published.betaGeometric
        #expect(CLVFixtures.agreesToTwoSignificantDigits(model.r, published.r))
        #expect(CLVFixtures.agreesToTwoSignificantDigits(model.alpha, published.alpha))
        #expect(CLVFixtures.agreesToTwoSignificantDigits(model.a, published.a))
        #expect(CLVFixtures.agreesToTwoSignificantDigits(model.b, published.b))
        // Fader, Hardie & Lee report them to 3 decimals; the fit agrees to that precision too.
        #expect(abs(model.r - published.r) < 0.0005)
        #expect(abs(model.alpha - published.alpha) < 0.0005)
        #expect(abs(model.a - published.a) < 0.0005)
        #expect(abs(model.b - published.b) < 0.0005)
    }

    @Test func cdnowFitMatchesLifetimes() throws {
        let data = try Self.weeklySummary()
        let model = try BetaGeometricModel.fit(frequency: data.frequency, recency: data.recency, age: data.age)
        let lifetimes = try CLVFixtures.reference().weekly.betaGeometric
        for (value, expected) in [
            (model.r, lifetimes.r), (model.alpha, lifetimes.alpha), (model.a, lifetimes.a),
            (model.b, lifetimes.b),
        ] {
            #expect(CLVFixtures.relativeDifference(value, expected) < 1e-4)
        }
        // lifetimes evaluates its mean negative log-likelihood with time scaled so that the largest T is 1; in
        // those units it agrees with segpipe's at lifetimes' parameters, and segpipe's optimum is at least as good.
        let scale = data.age.max() ?? 1
        let recency = data.recency.map { $0 / scale }
        let age = data.age.map { $0 / scale }
        let lifetimesNLL = try #require(lifetimes.meanNegativeLogLikelihood)
        let atLifetimes = BetaGeometricModel(
            r: lifetimes.r, alpha: lifetimes.alpha / scale, a: lifetimes.a, b: lifetimes.b)
        let lifetimesValue = -(try atLifetimes.meanLogLikelihood(frequency: data.frequency, recency: recency, age: age))
        #expect(abs(lifetimesValue - lifetimesNLL) < 1e-9)
        let atFit = BetaGeometricModel(r: model.r, alpha: model.alpha / scale, a: model.a, b: model.b)
        let fitValue = -(try atFit.meanLogLikelihood(frequency: data.frequency, recency: recency, age: age))
        #expect(fitValue <= lifetimesNLL + 1e-10)
    }

    @Test func penalizedFitMatchesLifetimes() throws {
        let data = try Self.weeklySummary()
        let weekly = try CLVFixtures.reference().weekly
        let model = try BetaGeometricModel.fit(
            frequency: data.frequency, recency: data.recency, age: data.age, penalizer: weekly.penalizer)
        let expected = weekly.penalizedBetaGeometric
        for (value, reference) in [
            (model.r, expected.r), (model.alpha, expected.alpha), (model.a, expected.a),
            (model.b, expected.b),
        ] {
            #expect(CLVFixtures.relativeDifference(value, reference) < 1e-4)
        }
    }

    @Test func predictionsMatchLifetimesForSampleCustomers() throws {
        let reference = try CLVFixtures.reference()
        let fitted = reference.weekly.betaGeometric
        let model = BetaGeometricModel(r: fitted.r, alpha: fitted.alpha, a: fitted.a, b: fitted.b)
        #expect(reference.weekly.customers.count >= 5)
        for customer in reference.weekly.customers {
            for (t, expected) in [
                (1.0, customer.expectedPurchases1), (10, customer.expectedPurchases10),
                (52, customer.expectedPurchases52),
            ] {
                let value = model.expectedPurchases(
                    within: t, frequency: customer.frequency, recency: customer.recency, age: customer.T)
                #expect(CLVFixtures.relativeDifference(value, expected) < 1e-10, "customer \(customer.id), t = \(t)")
            }
            let alive = model.probabilityAlive(
                frequency: customer.frequency, recency: customer.recency, age: customer.T)
            #expect(abs(alive - customer.probabilityAlive) < 1e-12, "customer \(customer.id)")
        }
    }

    @Test func expectedPurchasesOfANewCustomerFollowEquationNine() {
        let model = BetaGeometricModel(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        // A customer seen at T = 0 with no repeat purchase is a new customer: (10) reduces to (9).
        for t in [1.0, 10, 39, 78] {
            let conditional = model.expectedPurchases(within: t, frequency: 0, recency: 0, age: 0)
            #expect(abs(conditional - model.expectedPurchases(within: t)) < 1e-12)
        }
        #expect(model.expectedPurchases(within: 0, frequency: 3, recency: 10, age: 20) == 0)
    }

    /// The radix sort of packed (x, T, t_x) keys orders like a comparison sort: keys of a few bits, keys spanning
    /// all 63 bits a packed key can use, many repeats, and passes in which every key has the same digit.
    @Test func packedKeysSortLikeAComparisonSort() {
        var generator = SeededGenerator(seed: 11)
        let ranges: [ClosedRange<UInt64>] = [0...7, 0...4_000, 1 << 42...(1 << 42) + 300, 0...(1 << 63) - 1]
        for range in ranges {
            let keys = (0..<20_000).map { _ in UInt64.random(in: range, using: &generator) }
            #expect(RadixSort.sorted(keys) == keys.sorted(), "\(range)")
        }
        #expect(RadixSort.sorted([UInt64](repeating: 5, count: 100)).allSatisfy { $0 == 5 })
        #expect(RadixSort.sorted([3, 1, 2]) == [1, 2, 3])
    }

    /// Doubles map to keys that order as `<` does, -0 just below +0, every NaN one key above +infinity.
    @Test func doubleKeysOrderAsTheDoublesDo() {
        let values: [Double] = [-.infinity, -1e300, -2.5, -.leastNonzeroMagnitude, -0.0, 0, .leastNonzeroMagnitude, 3,
            1e300, .infinity]
        let keys = values.map(RadixSort.key)
        #expect(keys == keys.sorted() && Set(keys).count == keys.count)
        #expect(RadixSort.key(.nan) == RadixSort.key(-.nan))
        #expect(RadixSort.key(.nan) > RadixSort.key(.infinity))
    }

    /// Rows carried along a radix sort end up beside their keys, equal keys in their original order.
    @Test func radixSortCarriesRowsStably() {
        var generator = SeededGenerator(seed: 12)
        for range: ClosedRange<UInt64> in [0...3, 0...100_000, 0...UInt64.max] {
            let original = (0..<10_000).map { _ in UInt64.random(in: range, using: &generator) }
            var keys = original
            var rows = (0..<Int32(original.count)).map { $0 }
            RadixSort.sort(&keys, carrying: &rows)
            let expected = original.indices.sorted { (original[$0], $0) < (original[$1], $1) }
            #expect(keys == expected.map { original[$0] }, "\(range)")
            #expect(rows == expected.map { Int32($0) }, "\(range)")
        }
    }

    @Test func fittingWithoutRepeatCustomersThrowsInsufficientData() {
        do {
            _ = try BetaGeometricModel.fit(frequency: [0, 0, 0], recency: [0, 0, 0], age: [10, 20, 30])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .insufficientData)
            #expect(error.message.contains("repeat purchases"))
        }
    }

    @Test func inconsistentInputThrowsInvalidInput() {
        #expect(throws: CLVError.self) {
            _ = try BetaGeometricModel.fit(frequency: [1, 2], recency: [5, 30], age: [10, 20])
        }
        #expect(throws: CLVError.self) {
            _ = try BetaGeometricModel.fit(frequency: [1.5], recency: [5], age: [10])
        }
    }
}
