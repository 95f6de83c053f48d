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
        let purchases = discountedPurchasesIfAlive(
            purchaseModel: purchaseModel, frequency: frequency, age: age, months: months,
            monthlyDiscountRate: monthlyDiscountRate, periodsPerMonth: periodsPerMonth)
        return value * purchases / purchaseModel.aliveDenominator(frequency: frequency, recency: recency, age: age)
    }

    /// Σ over the months of the repeat purchases expected in that month if the customer is alive, each discounted
    /// to today: the part of the value that depends only on (x, T). A customer's value is their expected average
    /// spend times this, divided by the alive denominator (the month's expected purchases are the if-alive ones
    /// divided by it), so customers sharing (x, T) share this sum.
    static func discountedPurchasesIfAlive(
        purchaseModel: BetaGeometricModel, frequency: Double, age: Double, months: Int, monthlyDiscountRate: Double,
        periodsPerMonth: Double
    ) -> Double {
        var total = 0.0
        var previous = 0.0
        var discount = 1.0
        for month in stride(from: 1, through: months, by: 1) {
            // No time, no purchases (as `expectedPurchases(within:…)` has it for t ≤ 0).
            let t = Double(month) * periodsPerMonth
            let ifAlive = t > 0 ? purchaseModel.expectedPurchasesIfAlive(within: t, frequency: frequency, age: age) : 0
            discount *= 1 + monthlyDiscountRate
            total += (ifAlive - previous) / discount
            previous = ifAlive
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

extension CustomerLifetimeValue {
    /// Per-customer predictions of a summary, computed together.
    public struct Predictions: Sendable {
        /// Predicted discounted value over the horizon (``CustomerLifetimeValue/predict(purchaseModel:spendModel:frequency:recency:age:monetaryValue:months:monthlyDiscountRate:periodsPerMonth:)``).
        public var value: [Double]
        /// Expected repeat purchases within `horizon` time units.
        public var expectedPurchases: [Double]
        /// Probability of being alive.
        public var probabilityAlive: [Double]
    }

    /// The predicted value, expected purchases within `horizon` and probability alive of every customer with
    /// purchases (entries of customers without purchases are 0, 0 and 1 and are meant to be left out).
    ///
    /// Gives the same numbers as calling the per-customer functions, but evaluates what depends only on (x, T) —
    /// the hypergeometric part of the expected purchases, and their discounted monthly sum — once per distinct
    /// pair: daily data has far fewer pairs than customers. Each customer then takes a few operations.
    /// - Complexity: O(n + p · (months + 1) · s) for p distinct (x, T) pairs and series of s terms.
    public static func predictions(
        purchaseModel: BetaGeometricModel, spendModel: GammaGammaModel, summary: CLVSummary, horizon: Double,
        months: Int = 12, monthlyDiscountRate: Double = 0.01, periodsPerMonth: Double = 30
    ) -> Predictions {
        let count = summary.count
        // Per pair: the expected purchases within the horizon and the discounted monthly purchases, if alive.
        let (pairs, pairOfCustomer) = distinctPairs(summary)
        // The hypergeometric part of each pair, then each customer, both in two halves on large data (every value
        // is computed as it would be alone, so the results do not depend on the split).
        let table = Array(
            inHalves(pairs.count, from: Self.parallelRows) { range -> [Double] in
                var rows: [Double] = []
                rows.reserveCapacity(range.count * 2)
                for pair in range {
                    let (x, age) = pairs[pair]
                    rows.append(
                        horizon > 0
                            ? purchaseModel.expectedPurchasesIfAlive(within: horizon, frequency: x, age: age) : 0)
                    rows.append(
                        discountedPurchasesIfAlive(
                            purchaseModel: purchaseModel, frequency: x, age: age, months: months,
                            monthlyDiscountRate: monthlyDiscountRate, periodsPerMonth: periodsPerMonth))
                }
                return rows
            }.joined())
        let parts = inHalves(count, from: Self.parallelRows) {
            range -> (value: [Double], expected: [Double], alive: [Double]) in
            var value = [Double](repeating: 0, count: range.count)
            var expected = [Double](repeating: 0, count: range.count)
            var alive = [Double](repeating: 1, count: range.count)
            for customer in range where pairOfCustomer[customer] >= 0 {
                let slot = customer - range.lowerBound
                let x = summary.frequency[customer]
                let denominator = purchaseModel.aliveDenominator(
                    frequency: x, recency: summary.recency[customer], age: summary.age[customer])
                let row = Int(pairOfCustomer[customer]) * 2
                expected[slot] = horizon > 0 ? table[row] / denominator : 0
                alive[slot] = 1 / denominator
                let average = spendModel.expectedAverageValue(
                    frequency: x, monetaryValue: summary.monetaryValue[customer])
                value[slot] = average * table[row + 1] / denominator
            }
            return (value, expected, alive)
        }
        func joined(_ halves: [[Double]]) -> [Double] {
            var whole: [Double] = []
            whole.reserveCapacity(count)
            for half in halves { whole.append(contentsOf: half) }
            return whole
        }
        return Predictions(
            value: joined(parts.map(\.value)), expectedPurchases: joined(parts.map(\.expected)),
            probabilityAlive: joined(parts.map(\.alive)))
    }

    /// The distinct (x, T) pairs of the customers with purchases, and each customer's pair number (-1 without
    /// purchases). With whole x and T whose (x, T) table has at most ``densePairCells`` cells, and at most eight a
    /// customer beyond 65,536 (daily data), the pairs are found by marking the cells of that table and numbered in
    /// (x, T) order; otherwise hashed and numbered in order of first appearance. The order only decides where a
    /// pair's row of the table lies.
    static func distinctPairs(_ summary: CLVSummary)
        -> (pairs: [(frequency: Double, age: Double)], pairOfCustomer: [Int32])
    {
        let count = summary.count
        var pairOfCustomer = [Int32](repeating: -1, count: count)
        var pairs: [(frequency: Double, age: Double)] = []
        var largestX = 0.0
        var largestT = 0.0
        var whole = true
        for customer in 0..<count where summary.purchaseDays[customer] > 0 {
            let (x, age) = (summary.frequency[customer], summary.age[customer])
            whole = whole && x >= 0 && age >= 0 && x == x.rounded(.down) && age == age.rounded(.down)
            largestX = max(largestX, x)
            largestT = max(largestT, age)
        }
        // A table of at most a few cells per customer (and at most densePairCells).
        let cellLimit = Double(min(densePairCells, max(1 << 16, 8 * count)))
        if whole, (largestX + 1) * (largestT + 1) <= cellLimit {
            let width = Int(largestT) + 1
            var number = [Int32](repeating: -1, count: (Int(largestX) + 1) * width)
            for customer in 0..<count where summary.purchaseDays[customer] > 0 {
                number[Int(summary.frequency[customer]) * width + Int(summary.age[customer])] = 0
            }
            for cell in number.indices where number[cell] == 0 {
                number[cell] = Int32(pairs.count)
                pairs.append((Double(cell / width), Double(cell % width)))
            }
            for customer in 0..<count where summary.purchaseDays[customer] > 0 {
                let cell = Int(summary.frequency[customer]) * width + Int(summary.age[customer])
                pairOfCustomer[customer] = number[cell]
            }
            return (pairs, pairOfCustomer)
        }
        var pairOf = PairIndex()
        for customer in 0..<count where summary.purchaseDays[customer] > 0 {
            let x = summary.frequency[customer]
            let age = summary.age[customer]
            let pair = pairOf.insert(x.bitPattern, age.bitPattern, next: Int32(pairs.count))
            pairOfCustomer[customer] = pair
            if pair == pairs.count { pairs.append((x, age)) }
        }
        return (pairs, pairOfCustomer)
    }

    /// Cells of the (x, T) table from which distinct pairs are hashed instead (16 MiB of pair numbers).
    static let densePairCells = 1 << 22

    /// Customers (or pairs) from which the predictions are computed in two halves.
    static let parallelRows = 65_536

    /// The number of each distinct pair of 64-bit keys: open addressing with linear probing over a power-of-two
    /// table at most half full (doubled as it fills), hashed by multiplication (the keys are bit patterns of
    /// whole-day values, not chosen by anyone). A `Dictionary` with `Hasher` took most of the predictions'
    /// single-threaded start.
    private struct PairIndex {
        private struct Slot {
            var first: UInt64
            var second: UInt64
            /// The pair's number + 1; 0 marks an empty slot.
            var number: Int32
        }
        private var slots = [Slot](repeating: Slot(first: 0, second: 0, number: 0), count: 1024)
        private var count = 0

        /// The number of the pair (`first`, `second`); a pair not seen before gets `next`, which must be the count
        /// of pairs inserted so far.
        mutating func insert(_ first: UInt64, _ second: UInt64, next: Int32) -> Int32 {
            let mask = slots.count - 1
            var slot = Self.hash(first, second) & mask
            while slots[slot].number != 0 {
                if slots[slot].first == first && slots[slot].second == second { return slots[slot].number - 1 }
                slot = (slot + 1) & mask
            }
            slots[slot] = Slot(first: first, second: second, number: next + 1)
            count += 1
            if 2 * count > slots.count { grow() }
            return next
        }

        private static func hash(_ first: UInt64, _ second: UInt64) -> Int {
            let mixed = (first &* 0x9E37_79B9_7F4A_7C15) ^ (second &* 0xC2B2_AE3D_27D4_EB4F)
            return Int(truncatingIfNeeded: ((mixed ^ (mixed >> 29)) &* 0x1656_67B1_9E37_79F9) >> 24)
        }

        private mutating func grow() {
            let old = slots
            slots = [Slot](repeating: Slot(first: 0, second: 0, number: 0), count: 2 * old.count)
            let mask = slots.count - 1
            for entry in old where entry.number != 0 {
                var slot = Self.hash(entry.first, entry.second) & mask
                while slots[slot].number != 0 { slot = (slot + 1) & mask }
                slots[slot] = entry
            }
        }
    }
}
