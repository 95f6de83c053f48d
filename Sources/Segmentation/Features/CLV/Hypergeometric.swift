import Foundation

/// The Gauss hypergeometric function ₂F₁, as far as the BG/NBD model needs it.
public enum Hypergeometric {
    /// The most series terms summed before giving up.
    static let maximumTerms = 2_000_000

    /// Evaluates ₂F₁(a, b; c; z) for −1 < z < 1 by its power series.
    ///
    /// When c − a − b < 0 the series terms grow like n^(a+b−c−1) before z^n wins, so Euler's transformation
    /// ₂F₁(a, b; c; z) = (1 − z)^(c−a−b) ₂F₁(c − a, c − b; c; z) is summed instead, whose terms decay.
    /// Summation stops once the terms are decreasing and the last one is below 10⁻¹⁷ of the sum.
    ///
    /// - Throws: ``CLVError`` with code `invalidInput` when |z| ≥ 1 or c is a non-positive integer, and
    ///   `notConverged` when the series needs more than two million terms (z extremely close to 1).
    /// - Complexity: O(log(ε) / log(|z|)) terms.
    public static func f21(_ a: Double, _ b: Double, _ c: Double, _ z: Double) throws(CLVError) -> Double {
        guard a.isFinite, b.isFinite, c.isFinite, z.isFinite, abs(z) < 1 else {
            throw CLVError(.invalidInput, "hypergeometric 2F1(\(a), \(b); \(c); \(z)) needs finite values and |z| < 1")
        }
        guard c > 0 || c != c.rounded() else {
            throw CLVError(.invalidInput, "hypergeometric 2F1 is undefined for c = \(c), a non-positive integer")
        }
        guard let logValue = logF21(a, b, c, z) else {
            throw CLVError(
                .notConverged,
                "hypergeometric 2F1(\(a), \(b); \(c); \(z)) series did not converge in \(maximumTerms) terms")
        }
        return logValue.sign * exp(logValue.magnitude)
    }

    /// ln |₂F₁(a, b; c; z)| and its sign, or nil when the series does not converge; no argument checks.
    static func logF21(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> (magnitude: Double, sign: Double)? {
        let exponent = c - a - b
        if exponent < 0 {
            guard let sum = series(c - a, c - b, c, z) else { return nil }
            return (exponent * log1p(-z) + log(abs(sum)), sum < 0 ? -1 : 1)
        }
        guard let sum = series(a, b, c, z) else { return nil }
        return (log(abs(sum)), sum < 0 ? -1 : 1)
    }

    /// Sums Σ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ with a tail check; nil when it does not settle.
    static func series(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double? {
        var term = 1.0
        var sum = 1.0
        var n = 0.0
        for _ in 0..<maximumTerms {
            let ratio = (a + n) * (b + n) / ((c + n) * (n + 1)) * z
            term *= ratio
            sum += term
            n += 1
            if term == 0 { return sum }
            // Beyond n = |a| + |b| + |c| the ratio stays below 1 and tends to z, so the tail is bounded by
            // |term|·ρ/(1 − ρ) with ρ = max(|ratio|, |z|).
            let bound = max(abs(ratio), abs(z))
            if n > abs(a) + abs(b) + abs(c), bound < 1, abs(term) * bound <= 1e-17 * abs(sum) * (1 - bound) {
                return sum.isFinite ? sum : nil
            }
        }
        return nil
    }
}
