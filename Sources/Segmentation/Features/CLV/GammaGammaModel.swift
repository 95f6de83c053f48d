import Foundation

/// The Gamma-Gamma model of average spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV";
/// Hardie's note 025), fitted by maximum likelihood as the `lifetimes` library's `GammaGammaFitter` does.
///
/// A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, v) across customers, independent of the
/// purchase process; the model sees each repeat customer's number of repeat transactions x and their mean
/// value m.
public struct GammaGammaModel: Sendable, Hashable {
    /// Shape of the per-transaction value distribution.
    public let p: Double
    /// Shape of the distribution of the customers' scale parameters.
    public let q: Double
    /// Scale of the distribution of the customers' scale parameters, in currency units.
    public let v: Double

    /// Creates a model from known parameters.
    public init(p: Double, q: Double, v: Double) {
        self.p = p
        self.q = q
        self.v = v
    }

    /// The population mean value per transaction, v·p/(q − 1); infinite when q ≤ 1.
    public var populationMeanValue: Double { q > 1 ? v * p / (q - 1) : .infinity }

    /// Fits p, q, v to the customers of a summary with frequency > 0 and a positive monetary value.
    ///
    /// - Throws: ``CLVError`` as ``fit(frequency:monetaryValue:penalizer:)`` does.
    public static func fit(_ summary: CLVSummary, penalizer: Double = 0) throws(CLVError) -> GammaGammaModel {
        try fit(frequency: summary.frequency, monetaryValue: summary.monetaryValue, penalizer: penalizer)
    }

    /// Fits p, q, v by maximising the Gamma-Gamma log-likelihood over the customers with frequency > 0 and
    /// monetary value > 0 (others, such as customers whose repeat orders were all returned, are skipped).
    ///
    /// The objective is the mean negative log-likelihood plus `penalizer` · (p² + q² + v²), searched over
    /// log-parameters from 0.1 as in `lifetimes` (BFGS with the analytic gradient, Nelder–Mead as fallback).
    ///
    /// - Throws: ``CLVError`` with code `invalidInput` for arrays of unequal length or a fractional frequency,
    ///   `insufficientData` with fewer than two usable repeat customers, and `notConverged` when the search ends
    ///   away from a finite optimum or at q ≤ 1 (no finite mean spend).
    /// - Complexity: O(n) per likelihood evaluation; from ``sampledFitCustomers`` usable customers most
    ///   evaluations are over a sixteenth of them.
    public static func fit(
        frequency: [Double], monetaryValue: [Double], penalizer: Double = 0
    ) throws(CLVError) -> GammaGammaModel {
        try fit(
            frequency: frequency, monetaryValue: monetaryValue, penalizer: penalizer, sampledFrom: sampledFitCustomers)
    }

    /// The fit, searching over a subsample first from `threshold` usable customers on.
    static func fit(
        frequency: [Double], monetaryValue: [Double], penalizer: Double, sampledFrom threshold: Int
    ) throws(CLVError) -> GammaGammaModel {
        let data = try Observations(frequency: frequency, monetaryValue: monetaryValue)
        guard data.count >= 2 else {
            throw CLVError(
                .insufficientData,
                "Gamma-Gamma fit needs at least 2 customers with repeat purchases of positive value; got "
                    + "\(data.count) of \(frequency.count) (use a longer order history or skip predicted CLV)")
        }
        func objective(_ data: Observations) -> LikelihoodOptimizer.Objective {
            { logParameters in
                let parameters = logParameters.map { exp($0) }
                let model = GammaGammaModel(p: parameters[0], q: parameters[1], v: parameters[2])
                let (logLikelihood, gradient) = model.meanLogLikelihoodAndGradient(data)
                var penalty = 0.0
                var logGradient = [Double](repeating: 0, count: 3)
                for index in 0..<3 {
                    let parameter = parameters[index]
                    penalty += penalizer * parameter * parameter
                    logGradient[index] = -gradient[index] * parameter + 2 * penalizer * parameter * parameter
                }
                return (-logLikelihood + penalty, logGradient)
            }
        }
        // On many customers the way from the start is searched over every 16th of them first.
        let sample = data.count >= threshold ? objective(data.sampled(every: 16)) : nil
        let result = LikelihoodOptimizer.minimize(start: [0.1, 0.1, 0.1], sample: sample, objective: objective(data))
        let parameters = result.point.map { exp($0) }
        let model = GammaGammaModel(p: parameters[0], q: parameters[1], v: parameters[2])
        let scale = max(1, abs(result.value))
        guard result.value.isFinite, parameters.allSatisfy({ $0.isFinite && $0 > 0 }),
            result.point.allSatisfy({ abs($0) < 40 }), result.gradientNorm < 1e-5 * scale
        else {
            throw CLVError(
                .notConverged,
                "Gamma-Gamma fit on \(data.count) customers did not converge (log-parameters \(result.point), "
                    + "gradient norm \(result.gradientNorm)); add a small penalizer such as 0.001 or check the "
                    + "monetary values")
        }
        guard model.q > 1 else {
            throw CLVError(
                .notConverged,
                "Gamma-Gamma fit on \(data.count) customers gave q = \(model.q) ≤ 1, so the mean spend is not "
                    + "finite; spend varies too much between customers for this model (check for outliers)")
        }
        return model
    }

    /// The mean Gamma-Gamma log-likelihood per usable customer (frequency > 0, monetary value > 0).
    ///
    /// - Throws: ``CLVError`` with code `invalidInput` for inconsistent arrays.
    public func meanLogLikelihood(frequency: [Double], monetaryValue: [Double]) throws(CLVError) -> Double {
        meanLogLikelihoodAndGradient(try Observations(frequency: frequency, monetaryValue: monetaryValue)).value
    }

    /// The mean log-likelihood per usable customer and its gradient with respect to (p, q, v):
    /// ln L = ln Γ(px + q) − ln Γ(px) − ln Γ(q) + q ln v + (px − 1) ln m + px ln x − (px + q) ln(xm + v)
    /// (Hardie's note 025, equation 1a), with the terms that depend only on x tabulated once per call.
    func meanLogLikelihoodAndGradient(_ data: Observations) -> (value: Double, gradient: [Double]) {
        let count = data.maximumFrequency + 1
        var constant = [Double](repeating: 0, count: count)
        var constantP = [Double](repeating: 0, count: count)
        var constantQ = [Double](repeating: 0, count: count)
        let logV = log(v)
        let shared = -lgamma(q) + q * logV
        let digammaQ = digamma(q)
        for x in 1..<count {
            let xd = Double(x)
            let px = p * xd
            let logX = log(xd)
            let digammaPXQ = digamma(px + q)
            constant[x] = shared + lgamma(px + q) - lgamma(px) + px * logX
            constantP[x] = xd * (digammaPXQ - digamma(px) + logX)
            constantQ[x] = digammaPXQ - digammaQ + logV
        }
        // The customers in one or two halves (two cores on large data), each summed in a fixed order, so the
        // result does not depend on scheduling.
        let table = (constant: constant, p: constantP, q: constantQ)
        let parts = inHalves(data.count, from: Self.parallelCustomers) { range in customerSums(data, range, table) }
        let total = parts.reduce(0) { $0 + $1.total }
        let gradP = parts.reduce(0) { $0 + $1.gradP }
        let gradQ = parts.reduce(0) { $0 + $1.gradQ }
        let gradV = parts.reduce(0) { $0 + $1.gradV }
        let scale = 1 / Double(data.count)
        return (total * scale, [gradP * scale, gradQ * scale, gradV * scale])
    }

    /// Usable customers from which a fit first searches over a subsample of them (see
    /// ``LikelihoodOptimizer/minimize(start:sample:objective:)``).
    static let sampledFitCustomers = 262_144

    /// Customers from which the likelihood is evaluated in two halves at once.
    static let parallelCustomers = 65_536

    /// The log-likelihood terms of some customers and their gradient, before averaging.
    struct CustomerSums {
        var total = 0.0
        var gradP = 0.0
        var gradQ = 0.0
        var gradV = 0.0
    }

    /// The terms of the customers in `range`; `table` holds the terms that depend only on x.
    private func customerSums(
        _ data: Observations, _ range: Range<Int>, _ table: (constant: [Double], p: [Double], q: [Double])
    ) -> CustomerSums {
        var sums = CustomerSums()
        var compensation = 0.0
        data.frequency.withUnsafeBufferPointer { frequency in
            data.monetaryValue.withUnsafeBufferPointer { monetary in
                data.logMonetaryValue.withUnsafeBufferPointer { logMonetary in
                    for customer in range {
                        let x = frequency[customer]
                        let index = Int(x)
                        let px = p * x
                        let spend = x * monetary[customer] + v
                        let logSpend = log(spend)
                        // Compensated (Kahan) summation keeps the objective smooth enough for the line search
                        // near the optimum on millions of customers.
                        let term =
                            table.constant[index] + (px - 1) * logMonetary[customer] - (px + q) * logSpend
                            - compensation
                        let sum = sums.total + term
                        compensation = (sum - sums.total) - term
                        sums.total = sum
                        sums.gradP += table.p[index] + x * (logMonetary[customer] - logSpend)
                        sums.gradQ += table.q[index] - logSpend
                        sums.gradV += q / v - (px + q) / spend
                    }
                }
            }
        }
        return sums
    }

    /// The expected mean value per transaction of a customer with x repeat transactions of mean value m.
    ///
    /// Hardie's note 025, equation 5 (`lifetimes`' `conditional_expected_average_profit`):
    /// (1 − w)·v·p/(q − 1) + w·m with w = p·x/(p·x + q − 1). Customers with x = 0 get the population mean.
    public func expectedAverageValue(frequency x: Double, monetaryValue m: Double) -> Double {
        let weight = p * x / (p * x + q - 1)
        return (1 - weight) * (v * p / (q - 1)) + weight * m
    }
}
