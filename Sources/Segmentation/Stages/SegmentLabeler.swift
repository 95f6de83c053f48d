/// Generates readable segment labels from centroid z-scores, such as "recent · frequent · high value".
enum SegmentLabeler {
    /// Words for a feature well below (first) and well above (second) the population mean.
    private static let words: [String: (low: String, high: String)] = [
        "recency_days": ("recent", "lapsed"),
        "frequency": ("one-off", "frequent"),
        "monetary_total": ("low value", "high value"),
        "avg_order_value": ("small baskets", "big baskets"),
        "tenure_days": ("new", "long-standing"),
        "return_rate": ("few returns", "many returns"),
        "email_open_rate": ("unengaged", "engaged"),
        "email_click_rate": ("rarely clicks", "clicks often"),
    ]

    /// Labels for segments whose profile z-scores per feature are given; segments flagged in `withoutOrders` are
    /// "no orders yet"; duplicates get a number appended.
    static func labels(
        zScores: [[Double]], features: [String], withoutOrders: [Bool]? = nil, threshold: Double = 0.3,
        maximumWords: Int = 3
    ) -> [String] {
        var labels = zScores.enumerated().map { index, scores -> String in
            if withoutOrders?[index] == true { return "no orders yet" }
            // The most distinctive features, then named in the pipeline's feature order for readability.
            let chosen = Set(
                zip(features, scores).filter { abs($0.1) >= threshold }.sorted { abs($0.1) > abs($1.1) }
                    .prefix(maximumWords).map(\.0))
            let parts = zip(features, scores).filter { chosen.contains($0.0) }.map { feature, score in
                let pair = words[feature] ?? ("low \(feature)", "high \(feature)")
                return score < 0 ? pair.low : pair.high
            }
            return parts.isEmpty ? "average" : parts.joined(separator: " · ")
        }
        var seen: [String: Int] = [:]
        for index in labels.indices {
            let count = seen[labels[index], default: 0] + 1
            seen[labels[index]] = count
            if count > 1 { labels[index] += " (\(count))" }
        }
        return labels
    }
}
