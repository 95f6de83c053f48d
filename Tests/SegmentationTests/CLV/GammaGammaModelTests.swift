import Foundation
import Segmentation
import Testing

@Suite struct GammaGammaModelTests {
    static func monetarySummary() throws -> (frequency: [Double], monetaryValue: [Double]) {
        let columns = try CLVFixtures.numericColumns("cdnow_customers_summary_with_transactions.csv")
        return (columns["x"] ?? [], columns["zbar"] ?? [])
    }

    @Test func cdnowFitMatchesPublishedAndLifetimesParameters() throws {
        let data = try Self.monetarySummary()
        #expect(data.frequency.count == 2357)
        let model = try GammaGammaModel.fit(frequency: data.frequency, monetaryValue: data.monetaryValue)
        let reference = try CLVFixtures.reference()
        let published = reference.published.gammaGamma
        #expect(CLVFixtures.agreesToTwoSignificantDigits(model.p, published.p))
        #expect(CLVFixtures.agreesToTwoSignificantDigits(model.q, published.q))
        #expect(CLVFixtures.agreesToTwoSignificantDigits(model.v, published.v))
        let lifetimes = reference.weekly.gammaGamma
        for (value, expected) in [(model.p, lifetimes.p), (model.q, lifetimes.q), (model.v, lifetimes.v)] {
            #expect(CLVFixtures.relativeDifference(value, expected) < 1e-4)
        }
        let lifetimesNLL = try #require(lifetimes.meanNegativeLogLikelihood)
        let logLikelihood = try model.meanLogLikelihood(frequency: data.frequency, monetaryValue: data.monetaryValue)
        #expect(-logLikelihood <= lifetimesNLL + 1e-10)
        let atLifetimes = GammaGammaModel(p: lifetimes.p, q: lifetimes.q, v: lifetimes.v)
        let lifetimesLogLikelihood = try atLifetimes.meanLogLikelihood(
            frequency: data.frequency, monetaryValue: data.monetaryValue)
        #expect(abs(-lifetimesLogLikelihood - lifetimesNLL) < 1e-9)
    }

    @Test func penalizedFitMatchesLifetimes() throws {
        let data = try Self.monetarySummary()
        let weekly = try CLVFixtures.reference().weekly
        let model = try GammaGammaModel.fit(
            frequency: data.frequency, monetaryValue: data.monetaryValue, penalizer: weekly.spendPenalizer)
        let expected = weekly.penalizedGammaGamma
        for (value, reference) in [(model.p, expected.p), (model.q, expected.q), (model.v, expected.v)] {
            #expect(CLVFixtures.relativeDifference(value, reference) < 1e-4)
        }
    }

    @Test func spendWithoutFiniteMeanThrowsNotConverged() {
        // A strong penalty drives q below 1 on CDNOW (lifetimes reports q ≈ 0.97 at 0.01): no finite mean spend.
        do {
            let data = try Self.monetarySummary()
            _ = try GammaGammaModel.fit(frequency: data.frequency, monetaryValue: data.monetaryValue, penalizer: 0.01)
            Issue.record("expected an error")
        } catch let error as CLVError {
            #expect(error.code == .notConverged)
            #expect(error.message.contains("q ="))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func expectedAverageValueShrinksTowardsThePopulationMean() throws {
        let model = GammaGammaModel(p: 6.25, q: 3.74, v: 15.44)
        let populationMean = 15.44 * 6.25 / 2.74
        #expect(abs(model.populationMeanValue - populationMean) < 1e-12)
        #expect(abs(model.expectedAverageValue(frequency: 0, monetaryValue: 0) - populationMean) < 1e-12)
        // x = 2, m = 22.35: w = 12.5 / 15.24.
        let weight = 12.5 / 15.24
        let expected = (1 - weight) * populationMean + weight * 22.35
        #expect(abs(model.expectedAverageValue(frequency: 2, monetaryValue: 22.35) - expected) < 1e-12)

        let reference = try CLVFixtures.reference()
        let fitted = reference.weekly.gammaGamma
        let lifetimesModel = GammaGammaModel(p: fitted.p, q: fitted.q, v: fitted.v)
        for customer in reference.weekly.customers {
            guard let value = customer.expectedAverageValue else { continue }
            let computed = lifetimesModel.expectedAverageValue(
                frequency: customer.frequency, monetaryValue: customer.monetaryValue)
            #expect(CLVFixtures.relativeDifference(computed, value) < 1e-12)
        }
    }

    @Test func fittingWithTooFewRepeatCustomersThrowsInsufficientData() {
        do {
            _ = try GammaGammaModel.fit(frequency: [0, 1, 3], monetaryValue: [0, 10, -5])
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .insufficientData)
        }
    }
}
