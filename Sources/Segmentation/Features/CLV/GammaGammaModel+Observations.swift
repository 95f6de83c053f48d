import Foundation

extension GammaGammaModel {
    /// The usable (x > 0, m > 0) customers' frequency and monetary value, with ln m precomputed.
    struct Observations {
        var frequency: [Double] = []
        var monetaryValue: [Double] = []
        var logMonetaryValue: [Double] = []
        var maximumFrequency = 0
        var count: Int { frequency.count }

        init(frequency: [Double], monetaryValue: [Double]) throws(CLVError) {
            guard monetaryValue.count == frequency.count else {
                throw CLVError(
                    .invalidInput,
                    "Gamma-Gamma columns differ in length (frequency \(frequency.count), monetary value "
                        + "\(monetaryValue.count)); pass one value per customer in each")
            }
            for customer in frequency.indices {
                let x = frequency[customer]
                let m = monetaryValue[customer]
                guard x >= 0, x <= BetaGeometricModel.Observations.frequencyLimit, x == x.rounded() else {
                    throw CLVError(
                        .invalidInput, "customer \(customer) has frequency \(x); expected a whole number ≥ 0")
                }
                guard x > 0, m > 0, m.isFinite else { continue }
                self.frequency.append(x)
                self.monetaryValue.append(m)
                logMonetaryValue.append(log(m))
                maximumFrequency = max(maximumFrequency, Int(x))
            }
        }

        /// Every `step`-th customer (from the first), for a fit's first search; the likelihood is a mean, so
        /// the subsample's is of the same scale.
        func sampled(every step: Int) -> Observations {
            var sample = self
            let picked = Array(Swift.stride(from: 0, to: count, by: step))
            sample.frequency = picked.map { frequency[$0] }
            sample.monetaryValue = picked.map { monetaryValue[$0] }
            sample.logMonetaryValue = picked.map { logMonetaryValue[$0] }
            return sample
        }
    }
}
