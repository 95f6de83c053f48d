import Foundation

extension BetaGeometricModel {
    /// Validated (x, t_x, T) observations, compressed into distinct patterns with weights.
    ///
    /// Fader & Hardie fit the model on the distinct (x, t_x, T) patterns weighted by their customer counts;
    /// with daily data most one-time buyers share a pattern (x = 0, t_x = 0, T), so one likelihood evaluation
    /// costs far less than one pass over all customers.
    struct Observations {
        var frequency: [Double] = []
        var recency: [Double] = []
        var age: [Double] = []
        var weight: [Double] = []
        /// Total weight per frequency value 0…maximumFrequency.
        var weightPerFrequency: [Double] = []
        var totalWeight = 0.0
        var customerCount = 0
        var repeatCustomers = 0
        var maximumFrequency = 0
        var maximumAge = 0.0
        /// With whole-day data (the usual case), each pattern's T and t_x as a whole number of days, and the time
        /// unit that turns days into `age` and `recency` (1 until `scaled(by:)`); empty otherwise. The likelihood
        /// then takes ln(α + T) and ln(α + t_x) from a table with one entry per day.
        var ageDay: [Int32] = []
        var recencyDay: [Int32] = []
        var dayUnit = 1.0
        var maximumDay = 0

        /// The largest frequency accepted; the likelihood tabulates one entry per frequency value.
        static let frequencyLimit = 10_000_000.0

        init(frequency: [Double], recency: [Double], age: [Double]) throws(CLVError) {
            guard recency.count == frequency.count, age.count == frequency.count else {
                throw CLVError(
                    .invalidInput,
                    "BG/NBD columns differ in length (frequency \(frequency.count), recency \(recency.count), "
                        + "age \(age.count)); pass one value per customer in each")
            }
            guard !frequency.isEmpty else {
                throw CLVError(.insufficientData, "BG/NBD fit needs at least one customer with a purchase; got none")
            }
            var maximumFrequency = 0.0
            for customer in frequency.indices {
                let x = frequency[customer]
                let tx = recency[customer]
                let t = age[customer]
                guard x >= 0, x <= Self.frequencyLimit, x == x.rounded(), tx >= 0, t.isFinite, tx <= t else {
                    throw CLVError(
                        .invalidInput,
                        "customer \(customer) has frequency \(x), recency \(tx), age \(t); expected a whole "
                            + "frequency ≥ 0 and 0 ≤ recency ≤ age")
                }
                if x > 0 { repeatCustomers += 1 }
                maximumFrequency = max(maximumFrequency, x)
                maximumAge = max(maximumAge, t)
            }
            self.maximumFrequency = Int(maximumFrequency)
            customerCount = frequency.count
            totalWeight = Double(frequency.count)
            weightPerFrequency = [Double](repeating: 0, count: self.maximumFrequency + 1)
            // Recency does not enter the likelihood when x = 0, so those customers differ only by T. Patterns are
            // kept in (x, T, t_x) order.
            if let keys = Self.packedKeys(frequency: frequency, recency: recency, age: age) {
                let mask: UInt64 = (1 << Self.packedBits) - 1
                var last: UInt64?
                for key in RadixSort.sorted(keys) {
                    let x = Double(key >> (2 * Self.packedBits))
                    weightPerFrequency[Int(x)] += 1
                    if key == last {
                        weight[weight.count - 1] += 1
                    } else {
                        let day = Int32((key >> Self.packedBits) & mask)
                        let recentDay = Int32(key & mask)
                        self.frequency.append(x)
                        self.age.append(Double(day))
                        self.recency.append(Double(recentDay))
                        ageDay.append(day)
                        recencyDay.append(recentDay)
                        weight.append(1)
                        last = key
                    }
                }
                maximumDay = Int(maximumAge)
                return
            }
            let order = frequency.indices.sorted { left, right in
                let leftRecency = frequency[left] == 0 ? 0 : recency[left]
                let rightRecency = frequency[right] == 0 ? 0 : recency[right]
                return (frequency[left], age[left], leftRecency) < (frequency[right], age[right], rightRecency)
            }
            for customer in order {
                let x = frequency[customer]
                let tx = x == 0 ? 0 : recency[customer]
                let t = age[customer]
                weightPerFrequency[Int(x)] += 1
                if let last = self.frequency.indices.last, self.frequency[last] == x, self.age[last] == t,
                    self.recency[last] == tx
                {
                    weight[last] += 1
                } else {
                    self.frequency.append(x)
                    self.recency.append(tx)
                    self.age.append(t)
                    weight.append(1)
                }
            }
        }

        /// Bits per value in a packed (x, T, t_x) key.
        static let packedBits: UInt64 = 21

        /// With whole x, T and t_x below 2²¹ (daily data), one key per customer whose integer order is the
        /// (x, T, t_x) order, so grouping is a sort of plain integers; nil otherwise.
        static func packedKeys(frequency: [Double], recency: [Double], age: [Double]) -> [UInt64]? {
            let limit = Double(1 << packedBits)
            var keys = [UInt64]()
            keys.reserveCapacity(frequency.count)
            for customer in frequency.indices {
                let x = frequency[customer]
                let tx = x == 0 ? 0 : recency[customer]
                let t = age[customer]
                guard x < limit, t < limit, t == t.rounded(), tx == tx.rounded() else { return nil }
                keys.append(UInt64(x) << (2 * packedBits) | UInt64(t) << packedBits | UInt64(tx))
            }
            return keys
        }

        /// Every `step`-th pattern (from the first) with its weight, for a fit's first search. The patterns are in
        /// (x, T, t_x) order, so the subsample spreads over all of them; the likelihood is a mean over its weight,
        /// so of the same scale. Tables sized by the largest frequency and day are kept as they are.
        func sampled(every step: Int) -> Observations {
            var sample = self
            let picked = Array(Swift.stride(from: 0, to: frequency.count, by: step))
            sample.frequency = picked.map { frequency[$0] }
            sample.recency = picked.map { recency[$0] }
            sample.age = picked.map { age[$0] }
            sample.weight = picked.map { weight[$0] }
            if !ageDay.isEmpty {
                sample.ageDay = picked.map { ageDay[$0] }
                sample.recencyDay = picked.map { recencyDay[$0] }
            }
            sample.weightPerFrequency = [Double](repeating: 0, count: weightPerFrequency.count)
            sample.repeatCustomers = 0
            for (x, w) in zip(sample.frequency, sample.weight) {
                sample.weightPerFrequency[Int(x)] += w
                if x > 0 { sample.repeatCustomers += Int(w) }
            }
            sample.totalWeight = sample.weight.reduce(0, +)
            sample.customerCount = Int(sample.totalWeight)
            return sample
        }

        /// The same observations with recency and age multiplied by `scale`.
        func scaled(by scale: Double) -> Observations {
            var copy = self
            copy.recency = recency.map { $0 * scale }
            copy.age = age.map { $0 * scale }
            copy.maximumAge = maximumAge * scale
            copy.dayUnit = dayUnit * scale
            return copy
        }
    }

    /// The mean log-likelihood per customer and its gradient with respect to (r, α, a, b).
    ///
    /// ln L = ln A₁ + ln A₂ + ln(exp(ln A₃) + δ(x > 0) exp(ln A₄)) per customer (Fader, Hardie & Lee 2005,
    /// section 7; Hardie's note 004) with
    /// ln A₁ = ln Γ(r + x) − ln Γ(r) + r ln α, ln A₂ = ln Γ(a + b) + ln Γ(b + x) − ln Γ(b) − ln Γ(a + b + x),
    /// ln A₃ = −(r + x) ln(α + T), ln A₄ = ln a − ln(b + x − 1) − (r + x) ln(α + t_x).
    /// The terms that depend only on x are summed once per frequency value.
    func meanLogLikelihoodAndGradient(_ data: Observations) -> (value: Double, gradient: [Double]) {
        var total = 0.0
        var gradR = 0.0
        var gradAlpha = 0.0
        var gradA = 0.0
        var gradB = 0.0
        let logAlpha = log(alpha)
        let digammaR = digamma(r)
        let digammaB = digamma(b)
        let digammaAB = digamma(a + b)
        let shared = -lgamma(r) + r * logAlpha + lgamma(a + b) - lgamma(b)
        var dropOut = [Double](repeating: 0, count: data.maximumFrequency + 1)
        for x in 0...data.maximumFrequency {
            let count = data.weightPerFrequency[x]
            let xd = Double(x)
            dropOut[x] = log(a) - log(b + Double(max(x, 1)) - 1)
            guard count > 0 else { continue }
            total += count * (shared + lgamma(r + xd) + lgamma(b + xd) - lgamma(a + b + xd))
            gradR += count * (digamma(r + xd) - digammaR + logAlpha)
            gradAlpha += count * r / alpha
            gradA += count * (digammaAB - digamma(a + b + xd))
            gradB += count * (digammaAB + digamma(b + xd) - digammaB - digamma(a + b + xd))
        }
        // The patterns in one or two halves (two cores on large data), each summed in a fixed order, so the result
        // does not depend on scheduling.
        let logDropOut = dropOut
        let parts = inHalves(data.frequency.count, from: Self.parallelPatterns) { range in
            patternSums(data, range, dropOut: logDropOut)
        }
        for part in parts {
            total += part.total
            gradR += part.gradR
            gradAlpha += part.gradAlpha
            gradA += part.gradA
            gradB += part.gradB
        }
        let scale = 1 / data.totalWeight
        return (total * scale, [gradR * scale, gradAlpha * scale, gradA * scale, gradB * scale])
    }
    /// Patterns from which the likelihood is evaluated in two halves at once.
    static let parallelPatterns = 65_536

    /// Patterns from which a fit first searches over a subsample of them (see
    /// ``LikelihoodOptimizer/minimize(start:sample:objective:)``).
    static let sampledFitPatterns = 262_144

    /// The log-likelihood terms of some patterns and their gradient, before averaging.
    struct PatternSums {
        var total = 0.0
        var gradR = 0.0
        var gradAlpha = 0.0
        var gradA = 0.0
        var gradB = 0.0
    }

    /// ln A₃ and ln A₄ summed over the patterns in `range`, weighted; `dropOut[x]` is ln a − ln(b + x − 1).
    ///
    /// With whole-day data and no more days than patterns in `range`, ln(α + T) and ln(α + t_x) come from a table with
    /// one entry per day (the same values: α + day · unit is what `scaled(by:)` gives). Of exp(ln A₃ − m) and
    /// exp(ln A₄ − m), m the larger, one is exp(0) = 1, so one `exp` per repeat pattern is left (the same sums as two
    /// for finite terms).
    private func patternSums(_ data: Observations, _ range: Range<Int>, dropOut: [Double]) -> PatternSums {
        var sums = PatternSums()
        // Compensated (Kahan) summation keeps the objective smooth enough for the line search near the optimum.
        var compensation = 0.0
        func add(_ value: Double) {
            let term = value - compensation
            let sum = sums.total + term
            compensation = (sum - sums.total) - term
            sums.total = sum
        }
        func accumulate(x: Double, w: Double, alphaT: Double, logAlphaT: Double, recency: () -> (Double, Double)) {
            let rx = r + x
            let a3 = -rx * logAlphaT
            if x == 0 {
                add(w * a3)
                sums.gradR -= w * logAlphaT
                sums.gradAlpha -= w * rx / alphaT
                return
            }
            let (alphaTx, logAlphaTx) = recency()
            let a4 = dropOut[Int(x)] - rx * logAlphaTx
            let larger = max(a3, a4)
            let smaller = exp(min(a3, a4) - larger)
            let e3 = a3 >= a4 ? 1 : smaller
            let e4 = a3 >= a4 ? smaller : 1
            let sum = e3 + e4
            let w3 = e3 / sum
            let w4 = e4 / sum
            add(w * (larger + log(sum)))
            sums.gradR -= w * (w3 * logAlphaT + w4 * logAlphaTx)
            sums.gradAlpha -= w * rx * (w3 / alphaT + w4 / alphaTx)
            sums.gradA += w * w4 / a
            sums.gradB -= w * w4 / (b + x - 1)
        }
        data.frequency.withUnsafeBufferPointer { frequency in
            data.weight.withUnsafeBufferPointer { weight in
                if !data.ageDay.isEmpty && data.maximumDay < range.count {
                    let unit = data.dayUnit
                    let shifted = (0...data.maximumDay).map { alpha + Double($0) * unit }
                    let logShifted = shifted.map { log($0) }
                    data.ageDay.withUnsafeBufferPointer { ageDay in
                        data.recencyDay.withUnsafeBufferPointer { recencyDay in
                            for pattern in range {
                                let day = Int(ageDay[pattern])
                                accumulate(
                                    x: frequency[pattern], w: weight[pattern], alphaT: shifted[day],
                                    logAlphaT: logShifted[day]
                                ) {
                                    let recent = Int(recencyDay[pattern])
                                    return (shifted[recent], logShifted[recent])
                                }
                            }
                        }
                    }
                    return
                }
                data.recency.withUnsafeBufferPointer { recency in
                    data.age.withUnsafeBufferPointer { age in
                        for pattern in range {
                            let alphaT = alpha + age[pattern]
                            accumulate(
                                x: frequency[pattern], w: weight[pattern], alphaT: alphaT, logAlphaT: log(alphaT)
                            ) {
                                let alphaTx = alpha + recency[pattern]
                                return (alphaTx, log(alphaTx))
                            }
                        }
                    }
                }
            }
        }
        return sums
    }
}

/// The digamma function ψ(x) = d ln Γ(x) / dx for x > 0: recurrence up to x ≥ 12, then the asymptotic series
/// (absolute error about 10⁻¹⁴).
func digamma(_ value: Double) -> Double {
    guard value > 0, value.isFinite else { return value == .infinity ? .infinity : .nan }
    var x = value
    var result = 0.0
    while x < 12 {
        result -= 1 / x
        x += 1
    }
    let inverse = 1 / x
    let inverse2 = inverse * inverse
    let series =
        inverse2
        * (1.0 / 12 - inverse2
            * (1.0 / 120 - inverse2
                * (1.0 / 252 - inverse2
                    * (1.0 / 240
                        - inverse2 * (1.0 / 132)))))
    return result + log(x) - 0.5 * inverse - series
}
