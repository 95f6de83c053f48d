import Foundation

/// The BG/NBD ("beta-geometric / negative binomial") repeat-purchase model of Fader, Hardie & Lee (2005),
/// "Counting Your Customers the Easy Way", fitted by maximum likelihood as the `lifetimes` library's
/// `BetaGeoFitter` does.
///
/// While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each purchase they drop
/// out with probability p ~ Beta(a, b). Time is measured in the unit of the data (days for ``CLVSummary``);
/// `alpha` is in that unit.
public struct BetaGeometricModel: Sendable, Hashable {
    /// Shape of the gamma distribution of purchase rates.
    public let r: Double
    /// Scale of the gamma distribution of purchase rates, in time units.
    public let alpha: Double
    /// First shape of the beta distribution of drop-out probabilities.
    public let a: Double
    /// Second shape of the beta distribution of drop-out probabilities.
    public let b: Double

    /// Creates a model from known parameters.
    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }

    // MARK: - Fitting

    /// Fits r, α, a, b by maximum likelihood to the customers of a summary that have purchases.
    ///
    /// - Throws: ``CLVError`` as ``fit(frequency:recency:age:penalizer:)`` does.
    public static func fit(_ summary: CLVSummary, penalizer: Double = 0) throws(CLVError) -> BetaGeometricModel {
        var frequency: [Double] = []
        var recency: [Double] = []
        var age: [Double] = []
        frequency.reserveCapacity(summary.count)
        recency.reserveCapacity(summary.count)
        age.reserveCapacity(summary.count)
        for customer in 0..<summary.count where summary.purchaseDays[customer] > 0 {
            frequency.append(summary.frequency[customer])
            recency.append(summary.recency[customer])
            age.append(summary.age[customer])
        }
        return try fit(frequency: frequency, recency: recency, age: age, penalizer: penalizer)
    }

    /// Fits r, α, a, b by maximising the BG/NBD log-likelihood.
    ///
    /// Like `lifetimes`, time is rescaled so that the largest age is 1 during the search, the objective is the
    /// mean negative log-likelihood plus `penalizer` · (r² + α² + a² + b²) on the rescaled parameters, and the
    /// search runs over log-parameters from 0.1: BFGS with the analytic gradient, with a restarted Nelder–Mead
    /// search as fallback when BFGS stalls (see `LikelihoodOptimizer`).
    ///
    /// - Parameters:
    ///   - frequency: Repeat purchases per customer (x), non-negative integers.
    ///   - recency: Time of the last purchase since the first (t_x), 0 ≤ t_x ≤ T.
    ///   - age: Time from the first purchase to the observation date (T), positive.
    ///   - penalizer: The L2 penalty coefficient; `lifetimes` defaults to 0.
    /// - Throws: ``CLVError`` with code `invalidInput` for inconsistent arrays or values, `insufficientData` when
    ///   no customer has a repeat purchase (the drop-out process is then not identified), and `notConverged`
    ///   when the search ends away from a finite optimum.
    /// - Complexity: O(n log n) once to group customers into distinct (x, t_x, T) patterns, then O(patterns) per
    ///   likelihood evaluation; BFGS typically needs 20–60 evaluations. From ``sampledFitPatterns`` patterns most
    ///   of them are over a sixteenth of the patterns (about 0.25 s for a million customers on two cores).
    public static func fit(
        frequency: [Double], recency: [Double], age: [Double], penalizer: Double = 0
    ) throws(CLVError) -> BetaGeometricModel {
        try fit(frequency: frequency, recency: recency, age: age, penalizer: penalizer, sampledFrom: sampledFitPatterns)
    }

    /// The fit, searching over a subsample first from `threshold` distinct patterns on.
    static func fit(
        frequency: [Double], recency: [Double], age: [Double], penalizer: Double, sampledFrom threshold: Int
    ) throws(CLVError) -> BetaGeometricModel {
        let data = try Observations(frequency: frequency, recency: recency, age: age)
        guard data.repeatCustomers > 0 else {
            throw CLVError(
                .insufficientData,
                "BG/NBD fit needs customers with repeat purchases; \(data.customerCount) customers, none with "
                    + "frequency > 0 (use a longer order history or skip predicted CLV)")
        }
        let scale = 1 / data.maximumAge
        let scaled = data.scaled(by: scale)
        func objective(_ data: Observations) -> LikelihoodOptimizer.Objective {
            { logParameters in
                let parameters = logParameters.map { exp($0) }
                let model = BetaGeometricModel(
                    r: parameters[0], alpha: parameters[1], a: parameters[2], b: parameters[3])
                let (logLikelihood, gradient) = model.meanLogLikelihoodAndGradient(data)
                let penalty = penalizer * parameters.reduce(0) { $0 + $1 * $1 }
                // Chain rule to log-parameters: ∂/∂ln θ = θ ∂/∂θ.
                let logGradient = parameters.indices.map { index in
                    -gradient[index] * parameters[index] + 2 * penalizer * parameters[index] * parameters[index]
                }
                return (-logLikelihood + penalty, logGradient)
            }
        }
        // On many patterns the way from the start is searched over every 16th of them first.
        let sample = scaled.frequency.count >= threshold ? objective(scaled.sampled(every: 16)) : nil
        let result = LikelihoodOptimizer.minimize(
            start: [0.1, 0.1, 0.1, 0.1], sample: sample, objective: objective(scaled))
        let parameters = result.point.map { exp($0) }
        guard result.value.isFinite, parameters.allSatisfy({ $0.isFinite && $0 > 0 }),
            result.point.allSatisfy({ abs($0) < 30 }), result.gradientNorm < 1e-5
        else {
            throw CLVError(
                .notConverged,
                "BG/NBD fit on \(data.customerCount) customers did not converge (log-parameters \(result.point), "
                    + "gradient norm \(result.gradientNorm)); add a small penalizer such as 0.001 or check the "
                    + "summary statistics")
        }
        return BetaGeometricModel(r: parameters[0], alpha: parameters[1] / scale, a: parameters[2], b: parameters[3])
    }

    /// The mean BG/NBD log-likelihood per customer (`lifetimes`' negative log-likelihood without penalty,
    /// negated).
    ///
    /// - Throws: ``CLVError`` with code `invalidInput` for inconsistent arrays or values.
    public func meanLogLikelihood(frequency: [Double], recency: [Double], age: [Double]) throws(CLVError) -> Double {
        meanLogLikelihoodAndGradient(try Observations(frequency: frequency, recency: recency, age: age)).value
    }

    // MARK: - Prediction

    /// The expected number of repeat purchases in the next `t` time units of a customer with history
    /// (x, t_x, T): equation (10) of Fader, Hardie & Lee (2005), `lifetimes`'
    /// `conditional_expected_number_of_purchases_up_to_time`.
    ///
    /// E = (a + b + x − 1)/(a − 1) · [1 − ((α + T)/(α + T + t))^(r+x) ₂F₁(r + x, b + x; a + b + x − 1; z)]
    ///     / (1 + δ(x > 0) · a/(b + x − 1) · ((α + T)/(α + t_x))^(r+x)),  z = t/(α + T + t).
    ///
    /// The bracket is evaluated through Euler's transformation as ((α + T)/(α + T + t))^(a−1)
    /// ₂F₁(a + b − 1 − r, a − 1; a + b + x − 1; z), which stays finite for large x. Returns NaN only when the
    /// series does not converge (z within about 10⁻⁵ of 1).
    public func expectedPurchases(within t: Double, frequency x: Double, recency: Double, age: Double) -> Double {
        guard t > 0 else { return 0 }
        return expectedPurchasesIfAlive(within: t, frequency: x, age: age)
            / aliveDenominator(frequency: x, recency: recency, age: age)
    }

    /// The numerator of ``expectedPurchases(within:frequency:recency:age:)``: it depends on x and T but not on
    /// t_x, so customers sharing (x, T) share it (the batch prediction computes it once per pair).
    func expectedPurchasesIfAlive(within t: Double, frequency x: Double, age: Double) -> Double {
        let c = a + b + x - 1
        let z = t / (alpha + age + t)
        let logOneMinusZ = log(alpha + age) - log(alpha + age + t)
        guard let hyp = Hypergeometric.logF21(a + b - 1 - r, a - 1, c, z) else { return .nan }
        let bracket = 1 - hyp.sign * exp(hyp.magnitude + (a - 1) * logOneMinusZ)
        return c / (a - 1) * bracket
    }

    /// 1 + δ(x > 0) · a/(b + x − 1) · ((α + T)/(α + t_x))^(r+x): the denominator of the conditional expectation
    /// and the reciprocal of the probability of being alive.
    func aliveDenominator(frequency x: Double, recency: Double, age: Double) -> Double {
        guard x > 0 else { return 1 }
        let logRatio = log(a) - log(b + x - 1) + (r + x) * (log(alpha + age) - log(alpha + recency))
        return 1 + exp(logRatio)
    }

    /// The probability that a customer with history (x, t_x, T) is still alive: 1 when x = 0, otherwise
    /// 1 / (1 + a/(b + x − 1) · ((α + T)/(α + t_x))^(r+x)) (Hardie's note 021, `lifetimes`'
    /// `conditional_probability_alive`).
    public func probabilityAlive(frequency x: Double, recency: Double, age: Double) -> Double {
        1 / aliveDenominator(frequency: x, recency: recency, age: age)
    }

    /// The expected number of repeat purchases in `t` time units of a new customer (equation 9).
    public func expectedPurchases(within t: Double) -> Double {
        guard t > 0 else { return 0 }
        guard let hyp = Hypergeometric.logF21(r, b, a + b - 1, t / (alpha + t)) else { return .nan }
        return (a + b - 1) / (a - 1) * (1 - hyp.sign * exp(hyp.magnitude + r * (log(alpha) - log(alpha + t))))
    }
}
