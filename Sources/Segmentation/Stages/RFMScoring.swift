/// Classic RFM scoring: quintile scores 1–5 and named segments.
///
/// Scores are assigned by rank so ties are never split: a value's score is
/// `1 + floor(5 · (number of customers with a strictly worse value) / n)`, computed over customers with at
/// least one completed order. For R, a smaller `recency_days` is better; for F and M, larger is better.
/// Customers without completed orders get no score and the segment `No Orders`.
public enum RFMScoring {
    /// Named segments in priority order: the first whose box contains the (R, F) scores wins.
    public static let segments: [(name: String, recency: ClosedRange<Int>, frequency: ClosedRange<Int>)] = [
        ("Champions", 5...5, 4...5),
        ("Loyal Customers", 3...4, 4...5),
        ("Potential Loyalist", 4...5, 2...3),
        ("New Customers", 5...5, 1...1),
        ("Promising", 4...4, 1...1),
        ("Need Attention", 3...3, 3...3),
        ("About To Sleep", 3...3, 1...2),
        ("Can't Lose Them", 1...2, 5...5),
        ("At Risk", 1...2, 3...4),
        ("Lost", 1...1, 1...1),
        ("Hibernating", 1...2, 1...2),
    ]

    /// Label of customers without completed orders.
    public static let noOrdersSegment = "No Orders"

    /// Quintile scores of `values` where `isPresent`; larger values score higher unless `smallerIsBetter`.
    /// - Complexity: O(n).
    public static func quintileScores(_ values: [Double], isPresent: [Bool], smallerIsBetter: Bool) -> [Int] {
        var scores = [Int](repeating: 0, count: values.count)
        // The scored customers' rows in key order (a radix sort of the keys, the rows carried along); the number
        // of strictly worse values of a row is where its run of equal keys starts. One sort and one pass, no search
        // per customer.
        var keys: [UInt64] = []
        var rows: [Int32] = []
        keys.reserveCapacity(values.count)
        rows.reserveCapacity(values.count)
        for row in values.indices where isPresent[row] {
            // + 0 makes -0 into +0: equal doubles, one key.
            keys.append(RadixSort.key((smallerIsBetter ? -values[row] : values[row]) + 0))
            rows.append(Int32(truncatingIfNeeded: row))
        }
        let n = keys.count
        guard n > 0 else { return scores }
        RadixSort.sort(&keys, carrying: &rows)
        var runStart = 0
        for position in 0..<n {
            if position > 0, keys[position] != keys[position - 1] { runStart = position }
            scores[Int(rows[position])] = 1 + (5 * runStart) / n
        }
        return scores
    }

    /// The named segment of an (R, F) score pair.
    public static func segment(recency: Int, frequency: Int) -> String {
        segments.first { $0.recency.contains(recency) && $0.frequency.contains(frequency) }?.name ?? "Hibernating"
    }
}
