/// Measures ``RuleSet/assign(_:)`` on synthetic features: five rules over numeric, text and Boolean columns.
///
/// Not a test: run it by hand from a release build and compare the rows per second with the other stages.
///
/// ```swift
/// let measurement = try RuleBenchmark.run(rows: 1_000_000, repeats: 5)
/// print(measurement.medianSeconds, measurement.rowsPerSecond)
/// ```
public enum RuleBenchmark {
    /// The rules the benchmark evaluates, in priority order.
    public static let configuration = RuleSetConfiguration(
        defaultSegment: "Regular",
        segments: [
            .init(name: "Unreachable", when: "unsubscribed or email_open_rate is null"),
            .init(name: "VIP", when: "monetary_total >= 1000 and frequency >= 5"),
            .init(name: "Reactivate", when: "recency_days > 180 and not (country in ('DE', 'AT', 'CH'))"),
            .init(name: "Newcomer", when: "tenure_days between 0 and 90 or frequency = 1"),
            .init(name: "Engaged", when: "email_open_rate >= 0.4 and country != 'FR' and recency_days <= 60"),
        ])

    /// Sizes, timings and counts of a benchmark run.
    public struct Measurement: Sendable, Hashable, CustomStringConvertible {
        /// Rows per dataset.
        public let rows: Int
        /// Wall-clock seconds of each assignment, in order.
        public let seconds: [Double]
        /// The median of ``seconds``.
        public let medianSeconds: Double
        /// Rows per second at the median time.
        public let rowsPerSecond: Double
        /// Rows per segment (first match wins), rules then default.
        public let countsFirstMatch: [Int]
        /// Rows each rule matches on its own.
        public let countsAlone: [Int]

        public var description: String {
            let milliseconds = (medianSeconds * 1000 * 10).rounded() / 10
            return "\(rows) rows, \(configuration.segments.count) rules: median \(milliseconds) ms, "
                + "\(Int(rowsPerSecond)) rows/s; first match \(countsFirstMatch), alone \(countsAlone)"
        }
    }

    /// Builds a deterministic dataset of `rows` customers and times `repeats` assignments.
    /// - Throws: ``RuleError`` if the rules do not check (a bug).
    public static func run(rows: Int, repeats: Int) throws(RuleError) -> Measurement {
        let dataset = try makeDataset(rows: rows)
        let ruleSet = try RuleSet(configuration, schema: dataset.schema)
        var seconds: [Double] = []
        var last: RuleAssignment?
        let clock = ContinuousClock()
        for _ in 0..<max(1, repeats) {
            let started = clock.now
            last = try ruleSet.assign(dataset)
            let elapsed = clock.now - started
            seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        let median = seconds.sorted()[seconds.count / 2]
        return Measurement(
            rows: rows, seconds: seconds, medianSeconds: median,
            rowsPerSecond: median > 0 ? Double(rows) / median : 0,
            countsFirstMatch: last?.countsFirstMatch ?? [], countsAlone: last?.countsAlone ?? [])
    }

    /// A deterministic synthetic dataset with the features the benchmark rules use.
    static func makeDataset(rows: Int) throws(RuleError) -> RuleDataset {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            // splitmix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
        var recency = [Double](repeating: 0, count: rows)
        var frequency = [Double](repeating: 0, count: rows)
        var monetary = [Double](repeating: 0, count: rows)
        var tenure = [Double](repeating: 0, count: rows)
        var openRate = [Double](repeating: 0, count: rows)
        var openRatePresent = [Bool](repeating: true, count: rows)
        var countryCodes = [Int32](repeating: 0, count: rows)
        var unsubscribed = [Bool](repeating: false, count: rows)
        let countries = ["DE", "AT", "CH", "FR", "NL", "IT", "ES", "PL"]
        for row in 0..<rows {
            recency[row] = (uniform() * 720).rounded()
            frequency[row] = 1 + (uniform() * uniform() * 20).rounded(.down)
            monetary[row] = (frequency[row] * (20 + uniform() * 180) * 100).rounded() / 100
            tenure[row] = recency[row] + (uniform() * 1500).rounded()
            openRate[row] = uniform()
            openRatePresent[row] = uniform() > 0.1
            countryCodes[row] = Int32(next() % UInt64(countries.count))
            unsubscribed[row] = uniform() < 0.05
        }
        var dataset = RuleDataset(rowCount: rows)
        try dataset.addNumeric("recency_days", recency)
        try dataset.addNumeric("frequency", frequency)
        try dataset.addNumeric("monetary_total", monetary)
        try dataset.addNumeric("tenure_days", tenure)
        try dataset.addNumeric("email_open_rate", openRate, isPresent: openRatePresent)
        try dataset.addText("country", codes: countryCodes, dictionary: countries)
        try dataset.addBoolean("unsubscribed", unsubscribed)
        return dataset
    }
}
