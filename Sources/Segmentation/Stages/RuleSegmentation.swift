import Columnar

/// Applies the pipeline's rule segments to the customers' features and RFM scores.
enum RuleSegmentation {
    /// Text attributes usable in rules.
    static let textFeatures = [
        "country", "city", "postal_code", "postal_area", "acquisition_channel", "age_band", "top_category", "rfm_segment",
    ]
    /// Numeric values usable in rules besides the numeric features.
    static let scoreFeatures = ["r_score", "f_score", "m_score"]

    /// The features a rule may name, with their types.
    static let schema: RuleSchema = {
        var features: [String: RuleFeatureType] = [:]
        for name in FeatureCatalog.numericFeatureNames + scoreFeatures { features[name] = .numeric }
        for name in textFeatures { features[name] = .text }
        features["unsubscribed"] = .boolean
        return RuleSchema(features)
    }()

    /// The rule segment of every customer, and per rule how many customers it took (first match) and would take
    /// on its own.
    /// A text column as codes of its distinct values, found on the column's bytes (no `String` per row).
    private static func coded(_ strings: StringColumn) -> (codes: [Int32], dictionary: [String]) {
        let interner = StringInterner(capacity: 64)
        let codes = interner.insertAll(strings)
        return (codes, (0..<interner.count).map { interner.string(at: $0) })
    }

    static func assign(
        _ configuration: RuleSetConfiguration, features: Table, rfmSegment: StringColumn, scores: [String: [Int]],
        hasOrders: [Bool]
    ) throws(PipelineError) -> (segments: StringColumn, metrics: JSONValue) {
        var dataset = RuleDataset(rowCount: features.rowCount)
        do {
            for name in FeatureCatalog.numericFeatureNames where features[name] != nil {
                let feature = try NumericFeature(features, name)
                try dataset.addNumeric(name, feature.values, isPresent: feature.present)
            }
            for (name, values) in scores {
                try dataset.addNumeric(name, values.map(Double.init), isPresent: hasOrders)
            }
            var texts: [(name: String, strings: StringColumn, isPresent: [Bool]?)] = []
            for name in textFeatures where name != "rfm_segment" {
                guard let column = features[name], let strings = column.values.strings else { continue }
                texts.append((name, strings, column.validity))
            }
            texts.append(("rfm_segment", rfmSegment, nil))
            // The text columns coded side by side (a million rows each).
            let codes = try concurrentMap(texts.map(\.strings)) { strings throws(PipelineError) in coded(strings) }
            for (text, coded) in zip(texts, codes) {
                try dataset.addText(
                    text.name, codes: coded.codes, dictionary: coded.dictionary, isPresent: text.isPresent)
            }
            if let column = features["unsubscribed"], case .bool(let values) = column.values {
                try dataset.addBoolean("unsubscribed", values, isPresent: column.validity)
            }
            let set = try RuleSet(configuration, schema: schema)
            let assignment = try set.assign(dataset)
            let names = StringColumn(assignment.segmentNamePerRow)
            var counts: [String: JSONValue] = [:]
            for (index, name) in assignment.segmentNames.enumerated() {
                var entry: [String: JSONValue] = ["customers": .int(Int64(assignment.countsFirstMatch[index]))]
                if index < assignment.countsAlone.count {
                    entry["matches_alone"] = .int(Int64(assignment.countsAlone[index]))
                    entry["priority"] = .int(Int64(index + 1))
                }
                counts[name] = .object(entry)
            }
            return (names, .object(counts))
        } catch {
            throw PipelineError(.configuration, "rule segments cannot be applied: \(error)")
        }
    }
}
