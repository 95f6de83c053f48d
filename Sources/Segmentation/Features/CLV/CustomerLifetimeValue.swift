import Foundation

/// Predicted customer lifetime value from a BG/NBD purchase model and a Gamma-Gamma spend model, computed as
/// the `lifetimes` library's `GammaGammaFitter.customer_lifetime_value` does.
///
/// CLV = Σ_{i=1…months} m̂ · (E[X(i·L)] − E[X((i−1)·L)]) / (1 + d)^i, where E[X(t)] is the BG/NBD conditional
/// expected number of purchases up to t, L the periods per month (30 days for daily data), m̂ the Gamma-Gamma
/// expected average value and d the monthly discount rate.
public enum CustomerLifetimeValue {
    /// The predicted value of one customer with history (x, t_x, T, m).
    ///
    /// - Parameters:
    ///   - months: The horizon in months (`lifetimes`' `time`, default 12).
    ///   - monthlyDiscountRate: The discount rate per month (default 0.01).
    ///   - periodsPerMonth: Time units per month: 30 for days (`lifetimes`' `freq="D"`), 4.345 for weeks.
    public static func predict(
        purchaseModel: BetaGeometricModel, spendModel: GammaGammaModel,
        frequency: Double, recency: Double, age: Double, monetaryValue: Double,
        months: Int = 12, monthlyDiscountRate: Double = 0.01, periodsPerMonth: Double = 30
    ) -> Double {
        let value = spendModel.expectedAverageValue(frequency: frequency, monetaryValue: monetaryValue)
        var total = 0.0
        var previous = 0.0
        var discount = 1.0
        for month in stride(from: 1, through: months, by: 1) {
            let expected = purchaseModel.expectedPurchases(
                within: Double(month) * periodsPerMonth, frequency: frequency, recency: recency, age: age)
            discount *= 1 + monthlyDiscountRate
            total += value * (expected - previous) / discount
            previous = expected
        }
        return total
    }

    /// The predicted value of every customer of a summary (daily periods unless `periodsPerMonth` says
    /// otherwise); customers without purchases get 0.
    ///
    /// - Complexity: O(n · months · s) for series of s terms (tens to a few hundred).
    public static func predict(
        purchaseModel: BetaGeometricModel, spendModel: GammaGammaModel, summary: CLVSummary,
        months: Int = 12, monthlyDiscountRate: Double = 0.01, periodsPerMonth: Double = 30
    ) -> [Double] {
        (0..<summary.count).map { customer in
            guard summary.purchaseDays[customer] > 0 else { return 0 }
            return predict(
                purchaseModel: purchaseModel, spendModel: spendModel,
                frequency: summary.frequency[customer], recency: summary.recency[customer],
                age: summary.age[customer], monetaryValue: summary.monetaryValue[customer],
                months: months, monthlyDiscountRate: monthlyDiscountRate, periodsPerMonth: periodsPerMonth)
        }
    }
}
