import Columnar

/// Per segment, the share of its customers in each value of the descriptive attributes (country, channel, …).
///
/// Attributes are ``FeatureCatalog/categoricalAttributeNames`` present in the features table. Per attribute the
/// `maxCategories` most frequent values over all customers (ties by name) are listed, a missing or empty value
/// as `unknown` and every other value as `other`, as for one-hot clustering columns. The shares of one segment and
/// attribute add up to 1.
enum SegmentAttributeShares {
    /// The table `segment_attribute_shares`: `segment_id`, `attribute`, `value`, `share`, ordered by segment id,
    /// attribute, then the values by overall frequency.
    ///
    /// - Parameters:
    ///   - labels: each customer's cluster (0..<k).
    ///   - order: clusters in segment id order.
    ///   - segmentOf: the segment id of each cluster.
    /// - Complexity: O(customers · attributes).
    static func table(
        features: Table, labels: [Int32], order: [Int], segmentOf: [Int], maxCategories: Int
    ) throws(PipelineError) -> Table {
        let k = segmentOf.count
        var sizes = [Int](repeating: 0, count: k)
        for label in labels { sizes[Int(label)] += 1 }
        var segmentColumn: [Int64] = []
        var attributeColumn = StringColumn()
        var valueColumn = StringColumn()
        var shareColumn: [Double] = []
        var perAttribute: [(attribute: String, categories: [String], counts: [[Int]])] = []
        for attribute in FeatureCatalog.categoricalAttributeNames where features[attribute] != nil {
            // Codes per row, counted once: no `String` per row.
            let (codes, names, codeCounts) = try FeatureScaling.categoryCodes(features, attribute)
            var countOf: [String: Int] = [:]
            for (code, name) in names.enumerated() { countOf[name, default: 0] += codeCounts[code] }
            let (kept, hasOther) = FeatureScaling.topCategories(counts: countOf, cap: maxCategories)
            var keptIndex: [String: Int] = [:]
            for (index, value) in kept.enumerated() { keptIndex[value] = index }
            let positionOfCode = names.map { keptIndex[$0] ?? kept.count }
            let categories = kept + (hasOther ? [FeatureScaling.otherCategory] : [])
            var counts = [[Int]](repeating: [Int](repeating: 0, count: categories.count), count: k)
            for row in codes.indices {
                counts[Int(labels[row])][positionOfCode[Int(codes[row])]] += 1
            }
            perAttribute.append((attribute, categories, counts))
        }
        for cluster in order {
            for (attribute, categories, counts) in perAttribute {
                for (index, value) in categories.enumerated() {
                    segmentColumn.append(Int64(segmentOf[cluster]))
                    attributeColumn.append(attribute)
                    valueColumn.append(value)
                    shareColumn.append(sizes[cluster] > 0 ? Double(counts[cluster][index]) / Double(sizes[cluster]) : 0)
                }
            }
        }
        do {
            return try Table(columns: [
                Column(name: "segment_id", values: .int64(segmentColumn)),
                Column(name: "attribute", values: .utf8(attributeColumn)),
                Column(name: "value", values: .utf8(valueColumn)),
                Column(name: "share", values: .float64(shareColumn)),
            ])
        } catch {
            throw PipelineError(.internal, "segment attribute shares produced an inconsistent table", underlying: error)
        }
    }
}
