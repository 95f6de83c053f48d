import Foundation
import Segmentation
import Testing

@Suite struct CustomerLifetimeValueTests {
    /// lifetimes' daily CDNOW reference table and segpipe's summary of the CDNOW transactions, in its customer order.
    static func cdnowDailySummary() throws -> ([String: [Double]], CLVSummary) {
        let table = try CLVFixtures.numericColumns("cdnow_daily_reference.csv")
        let ids = try #require(table["customer_id"])
        var indexOfID: [Int: Int32] = [:]
        for (index, id) in ids.enumerated() { indexOfID[Int(id)] = Int32(index) }
        let transactions = try CLVFixtures.cdnowTransactions()
        let summary = try CLVSummary(
            customerCount: ids.count, customerIndex: transactions.customerID.map { indexOfID[$0] ?? -1 },
            orderDay: transactions.day, amount: transactions.amount,
            observationDay: CLVFixtures.daysSince1970(year: 1997, month: 9, day: 30))
        return (table, summary)
    }

    @Test func weeklyClvMatchesLifetimes() throws {
        let reference = try CLVFixtures.reference()
        let bg = reference.weekly.betaGeometric
        let gg = reference.weekly.gammaGamma
        let purchaseModel = BetaGeometricModel(r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b)
        let spendModel = GammaGammaModel(p: gg.p, q: gg.q, v: gg.v)
        var checked = 0
        for customer in reference.weekly.customers {
            guard let expected = customer.clv12Weekly else { continue }
            let value = CustomerLifetimeValue.predict(
                purchaseModel: purchaseModel, spendModel: spendModel, frequency: customer.frequency,
                recency: customer.recency, age: customer.T, monetaryValue: customer.monetaryValue,
                periodsPerMonth: 4.345)
            #expect(CLVFixtures.relativeDifference(value, expected) < 1e-10, "customer \(customer.id)")
            checked += 1
        }
        #expect(checked >= 3)
    }

    @Test func handComputedSingleMonth() {
        // One month, no discounting beyond 1 + d: CLV = m̂ · E[X(30)] / 1.01.
        let purchaseModel = BetaGeometricModel(r: 0.24, alpha: 31, a: 0.79, b: 2.4)
        let spendModel = GammaGammaModel(p: 6.25, q: 3.74, v: 15.44)
        let expected =
            spendModel.expectedAverageValue(frequency: 2, monetaryValue: 20)
            * purchaseModel.expectedPurchases(within: 30, frequency: 2, recency: 200, age: 270) / 1.01
        let value = CustomerLifetimeValue.predict(
            purchaseModel: purchaseModel, spendModel: spendModel, frequency: 2, recency: 200, age: 270,
            monetaryValue: 20, months: 1)
        #expect(abs(value - expected) < 1e-12)
    }

    /// The whole daily path: transactions → summary → both fits → 12-month CLV, against lifetimes.
    @Test func dailyPipelineOnCdnowTransactionsMatchesLifetimes() throws {
        let reference = try CLVFixtures.reference()
        let (table, summary) = try Self.cdnowDailySummary()

        let purchaseModel = try BetaGeometricModel.fit(summary)
        let spendModel = try GammaGammaModel.fit(summary)
        let bg = reference.daily.betaGeometric
        let gg = reference.daily.gammaGamma
        for (value, expected) in [
            (purchaseModel.r, bg.r), (purchaseModel.alpha, bg.alpha), (purchaseModel.a, bg.a),
            (purchaseModel.b, bg.b), (spendModel.p, gg.p), (spendModel.q, gg.q),
            (spendModel.v, gg.v),
        ] {
            #expect(CLVFixtures.relativeDifference(value, expected) < 1e-4)
        }
        // Daily α is the weekly published α · 7.
        #expect(abs(purchaseModel.alpha / 7 - 4.414) < 0.005)

        let lifetimesPurchase = BetaGeometricModel(r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b)
        let lifetimesSpend = GammaGammaModel(p: gg.p, q: gg.q, v: gg.v)
        let clv = CustomerLifetimeValue.predict(
            purchaseModel: lifetimesPurchase, spendModel: lifetimesSpend, summary: summary)
        let fittedClv = CustomerLifetimeValue.predict(
            purchaseModel: purchaseModel, spendModel: spendModel, summary: summary)
        let expectedClv = try #require(table["clv_12_months"])
        let expected90 = try #require(table["expected_purchases_90"])
        let expectedAlive = try #require(table["probability_alive"])
        var worstClv = 0.0, worstFittedClv = 0.0, worstPurchases = 0.0, worstAlive = 0.0
        for customer in 0..<summary.count {
            worstClv = max(worstClv, CLVFixtures.relativeDifference(clv[customer], expectedClv[customer]))
            worstFittedClv = max(
                worstFittedClv, CLVFixtures.relativeDifference(fittedClv[customer], expectedClv[customer]))
            let purchases = lifetimesPurchase.expectedPurchases(
                within: 90, frequency: summary.frequency[customer], recency: summary.recency[customer],
                age: summary.age[customer])
            worstPurchases = max(worstPurchases, CLVFixtures.relativeDifference(purchases, expected90[customer]))
            let alive = lifetimesPurchase.probabilityAlive(
                frequency: summary.frequency[customer], recency: summary.recency[customer], age: summary.age[customer])
            worstAlive = max(worstAlive, abs(alive - expectedAlive[customer]))
        }
        // The reference CSV keeps 12 significant digits.
        #expect(worstClv < 1e-9)
        #expect(worstPurchases < 1e-9)
        #expect(worstAlive < 1e-11)
        // With segpipe's own fit the values differ from lifetimes' only by the fit tolerance.
        #expect(worstFittedClv < 1e-3)
    }

    /// The batch predictions share the hypergeometric part per (x, T) pair; they must give the very same numbers
    /// as the per-customer functions, and lifetimes' values for CDNOW.
    @Test func batchPredictionsEqualPerCustomerPredictions() throws {
        let reference = try CLVFixtures.reference()
        let (table, summary) = try Self.cdnowDailySummary()
        let bg = reference.daily.betaGeometric
        let gg = reference.daily.gammaGamma
        let purchaseModel = BetaGeometricModel(r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b)
        let spendModel = GammaGammaModel(p: gg.p, q: gg.q, v: gg.v)
        let batch = CustomerLifetimeValue.predictions(
            purchaseModel: purchaseModel, spendModel: spendModel, summary: summary, horizon: 90)
        let single = CustomerLifetimeValue.predict(
            purchaseModel: purchaseModel, spendModel: spendModel, summary: summary)
        let expectedClv = try #require(table["clv_12_months"])
        let expected90 = try #require(table["expected_purchases_90"])
        var withPurchases = 0
        for customer in 0..<summary.count where summary.purchaseDays[customer] > 0 {
            withPurchases += 1
            let (x, recency, age) = (summary.frequency[customer], summary.recency[customer], summary.age[customer])
            #expect(batch.value[customer] == single[customer])
            #expect(
                batch.expectedPurchases[customer]
                    == purchaseModel.expectedPurchases(within: 90, frequency: x, recency: recency, age: age))
            #expect(
                batch.probabilityAlive[customer]
                    == purchaseModel.probabilityAlive(frequency: x, recency: recency, age: age))
            #expect(CLVFixtures.relativeDifference(batch.value[customer], expectedClv[customer]) < 1e-9)
            #expect(CLVFixtures.relativeDifference(batch.expectedPurchases[customer], expected90[customer]) < 1e-9)
        }
        #expect(withPurchases > 2000)
    }

    /// Months of no time (a period length of 0, or a negative one) hold no purchases, as `expectedPurchases` has it
    /// for t ≤ 0: the value is 0, in the batch as for one customer.
    @Test(arguments: [0.0, -30.0])
    func monthsWithoutTimeHaveNoValue(periodsPerMonth: Double) throws {
        let summary = try CLVSummary(
            customerCount: 1, customerIndex: [0, 0, 0], orderDay: [0, 10, 30], amount: [5, 7, 9], observationDay: 60)
        let purchaseModel = BetaGeometricModel(r: 0.24, alpha: 31, a: 0.79, b: 2.4)
        let spendModel = GammaGammaModel(p: 6.25, q: 3.74, v: 15.44)
        let single = CustomerLifetimeValue.predict(
            purchaseModel: purchaseModel, spendModel: spendModel, summary: summary, periodsPerMonth: periodsPerMonth)
        let batch = CustomerLifetimeValue.predictions(
            purchaseModel: purchaseModel, spendModel: spendModel, summary: summary, horizon: 90,
            periodsPerMonth: periodsPerMonth)
        #expect(single == [0])
        #expect(batch.value == [0])
    }

    @Test func customersWithoutPurchasesGetZero() throws {
        let summary = try CLVSummary(
            customerCount: 2, customerIndex: [0, 0], orderDay: [0, 10], amount: [5, 5], observationDay: 20)
        let clv = CustomerLifetimeValue.predict(
            purchaseModel: BetaGeometricModel(r: 0.24, alpha: 31, a: 0.79, b: 2.4),
            spendModel: GammaGammaModel(p: 6.25, q: 3.74, v: 15.44), summary: summary)
        #expect(clv[1] == 0)
        #expect(clv[0] > 0)
    }
}
