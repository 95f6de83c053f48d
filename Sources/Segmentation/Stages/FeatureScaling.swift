import Clustering
import Columnar
import Foundation

/// The clustering matrix of a run: imputed, winsorised, transformed, scaled and weighted features, plus weighted
/// one-hot columns of categorical attributes, with the parameters that reproduce it.
///
/// Numeric feature, in this order: missing values imputed (recency without orders as the largest observed
/// recency + 1, everything else as 0); winsorised when configured (clipped at percentile cut values computed on the
/// imputed values, in feature units); transformed (`log1p` by default, or `none`); centred and divided by a spread
/// — `zscore`: population mean and standard deviation (a constant column becomes 0), `robust`: median and
/// interquartile range (an IQR of 0 counts as 1); multiplied by the weight.
///
/// Categorical attribute: one column per category (`country=DE`), holding the weight for customers in that
/// category and 0 otherwise. The `max_categories` most frequent values (ties by name) get their own column; a
/// missing or empty value is the category `unknown`; every remaining value shares the column `<attribute>=other`.
///
/// Numeric columns come first, in `features.clustering` order, then the one-hot columns by attribute name.
/// Percentiles interpolate linearly between closest ranks (numpy's default, Hyndman-Fan type 7).
struct FeatureScaling {
    /// How a matrix column was produced.
    enum Kind: Equatable {
        /// A numeric feature.
        case numeric
        /// The indicator of one category of a categorical attribute.
        case category(attribute: String, value: String)
    }

    /// Column names: the feature name, or `<attribute>=<value>` for a one-hot column.
    let names: [String]
    let kinds: [Kind]
    let transforms: [FeatureTransform]
    let fills: [Double]
    /// Winsorising cut values (lower, upper) in feature units; nil where the feature is not winsorised.
    let clips: [(lower: Double?, upper: Double?)?]
    /// Scaling method per column: `zscore`, `robust` or `one-hot`.
    let methods: [String]
    /// What is subtracted before dividing: the mean (zscore), the median (robust), 0 (one-hot).
    let centers: [Double]
    /// What is divided by: the standard deviation (zscore; 0 when constant), the IQR (robust; 1 when 0), 1 (one-hot).
    let spreads: [Double]
    let weights: [Double]
    let matrix: FeatureMatrix
    /// Parameters that do not fit the per-column arrays (percentiles, quartiles, category lists), by column name.
    private let details: [String: [String: JSONValue]]

    /// The value of a categorical attribute that is missing or empty.
    static let unknownCategory = "unknown"
    /// The shared value of the categories beyond the cap.
    static let otherCategory = "other"

    init(features: Table, names numericNames: [String], configuration: PipelineConfiguration) throws(PipelineError) {
        let settings = configuration.features
        let count = features.rowCount
        var assembly = Assembly()
        for name in numericNames {
            var feature = try NumericFeature(features, name)
            var largest = -Double.infinity
            for row in 0..<count where feature.present[row] { largest = max(largest, feature.values[row]) }
            let fill = name == "recency_days" ? (largest.isFinite ? largest : 0) + 1 : 0
            for row in 0..<count where !feature.present[row] { feature.values[row] = fill }
            var detail: [String: JSONValue] = [:]

            var clip: (lower: Double?, upper: Double?)?
            if let setting = settings.winsorize[name], let cut = Winsorizing(setting) {
                let sorted = feature.values.sorted()
                let upper = Self.percentile(sorted, cut.percentile)
                let lower = cut.isUpperOnly ? nil : Self.percentile(sorted, 1 - cut.percentile)
                clip = (lower, upper)
                for row in 0..<count {
                    var value = feature.values[row]
                    if let lower { value = max(value, lower) }
                    if let upper { value = min(value, upper) }
                    feature.values[row] = value
                }
                detail["winsorize"] = .object([
                    "percentile": .double(cut.percentile), "tails": .string(cut.isUpperOnly ? "upper" : "both"),
                    "lower": lower.map(JSONValue.double) ?? .null, "upper": upper.map(JSONValue.double) ?? .null,
                ])
            }

            let transform = FeatureTransform(rawValue: settings.transforms[name] ?? "log1p") ?? .log1p
            for row in 0..<count { feature.values[row] = Self.transform(feature.values[row], transform) }

            let method = settings.scaling(of: name)
            let center: Double
            let spread: Double
            if method == "robust" {
                let sorted = feature.values.sorted()
                let median = Self.percentile(sorted, 0.5) ?? 0
                let q1 = Self.percentile(sorted, 0.25) ?? 0
                let q3 = Self.percentile(sorted, 0.75) ?? 0
                center = median
                spread = q3 - q1 > 0 ? q3 - q1 : 1
                detail["median"] = .double(median)
                detail["q1"] = .double(q1)
                detail["q3"] = .double(q3)
                detail["iqr"] = .double(q3 - q1)
            } else {
                let mean = count > 0 ? feature.values.reduce(0, +) / Double(count) : 0
                let variance =
                    count > 0 ? feature.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count) : 0
                center = mean
                spread = variance.squareRoot()
                detail["mean"] = .double(mean)
                detail["std"] = .double(spread)
            }
            let weight = settings.weights[name] ?? 1
            for row in 0..<count {
                feature.values[row] = spread > 0 ? (feature.values[row] - center) / spread * weight : 0
            }
            assembly.appendNumeric(
                name, values: feature.values, transform: transform, fill: fill, clip: clip, method: method,
                center: center, spread: spread, weight: weight, detail: detail)
        }

        for attribute in settings.categorical.keys.sorted() {
            let weight = settings.categorical[attribute] ?? 1
            let values = try Self.categoryValues(features, attribute)
            let (kept, hasOther) = Self.topCategories(values, cap: settings.maxCategories)
            let categories = kept + (hasOther ? [Self.otherCategory] : [])
            assembly.appendCategories(
                attribute, categories: categories, values: values, weight: weight,
                detail: [
                    "kind": .string("one-hot"), "weight": .double(weight),
                    "categories": .array(categories.map(JSONValue.string)),
                    "max_categories": .int(Int64(settings.maxCategories)),
                ])
        }
        self.init(assembly)
    }

    /// The matrix columns being assembled by an initialiser, with their parameters.
    private struct Assembly {
        var names: [String] = []
        var kinds: [Kind] = []
        var transforms: [FeatureTransform] = []
        var fills: [Double] = []
        var clips: [(lower: Double?, upper: Double?)?] = []
        var methods: [String] = []
        var centers: [Double] = []
        var spreads: [Double] = []
        var weights: [Double] = []
        var details: [String: [String: JSONValue]] = [:]
        var columns: [[Double]] = []

        mutating func appendNumeric(
            _ name: String, values: [Double], transform: FeatureTransform, fill: Double,
            clip: (lower: Double?, upper: Double?)?, method: String, center: Double, spread: Double, weight: Double,
            detail: [String: JSONValue]
        ) {
            columns.append(values)
            names.append(name)
            kinds.append(.numeric)
            transforms.append(transform)
            fills.append(fill)
            clips.append(clip)
            methods.append(method)
            centers.append(center)
            spreads.append(spread)
            weights.append(weight)
            details[name] = detail
        }

        /// One indicator column per category holding `weight` for the customers in it; a value not among
        /// `categories` goes to the `other` column when there is one, else to none.
        mutating func appendCategories(
            _ attribute: String, categories: [String], values: [String], weight: Double, detail: [String: JSONValue]
        ) {
            var position: [String: Int] = [:]
            for (index, category) in categories.enumerated() { position[category] = index }
            let otherColumn = position[FeatureScaling.otherCategory]
            var indicators = [[Double]](repeating: [Double](repeating: 0, count: values.count), count: categories.count)
            for row in values.indices {
                if let column = position[values[row]] ?? otherColumn { indicators[column][row] = weight }
            }
            for (index, category) in categories.enumerated() {
                columns.append(indicators[index])
                names.append("\(attribute)=\(category)")
                kinds.append(.category(attribute: attribute, value: category))
                transforms.append(.none)
                fills.append(0)
                clips.append(nil)
                methods.append("one-hot")
                centers.append(0)
                spreads.append(1)
                weights.append(weight)
            }
            details[attribute] = detail
        }
    }

    private init(_ assembly: Assembly) {
        names = assembly.names
        kinds = assembly.kinds
        transforms = assembly.transforms
        fills = assembly.fills
        clips = assembly.clips
        methods = assembly.methods
        centers = assembly.centers
        spreads = assembly.spreads
        weights = assembly.weights
        details = assembly.details
        matrix = FeatureMatrix(columns: assembly.columns)
    }

    // MARK: - Helpers

    static func transform(_ value: Double, _ transform: FeatureTransform) -> Double {
        switch transform {
        case .log1p: log1p(max(value, 0))
        case .none: value
        }
    }

    /// The `p` quantile (0…1) of sorted values, interpolating linearly between closest ranks; nil when empty.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard let first = sorted.first else { return nil }
        guard sorted.count > 1 else { return first }
        let position = (Double(sorted.count - 1) * min(max(p, 0), 1))
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return fraction == 0 ? sorted[below] : sorted[below] + (sorted[above] - sorted[below]) * fraction
    }

    /// The values of a text attribute, with missing and empty values as ``unknownCategory``.
    static func categoryValues(_ features: Table, _ attribute: String) throws(PipelineError) -> [String] {
        let (codes, names, _) = try categoryCodes(features, attribute)
        return codes.map { names[Int($0)] }
    }

    /// The `cap` most frequent values (ties by name), and whether any other value occurs.
    static func topCategories(_ values: [String], cap: Int) -> (kept: [String], hasOther: Bool) {
        var counts: [String: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        return topCategories(counts: counts, cap: cap)
    }

    /// The `cap` most frequent of the values counted in `counts` (ties by name), and whether any other occurs.
    static func topCategories(counts: [String: Int], cap: Int) -> (kept: [String], hasOther: Bool) {
        let ranked = counts.filter { $0.value > 0 }.sorted {
            $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
        }
        // "other" is the overflow column's name, so a real value spelled so always shares it.
        let candidates = ranked.map(\.key).filter { $0 != otherCategory }
        let kept = Array(candidates.prefix(cap))
        return (kept, candidates.count > cap || (counts[otherCategory] ?? 0) > 0)
    }

    /// The values of a categorical attribute as codes into `names` (missing and empty values as
    /// ``unknownCategory``), with the rows per code, looked up on the column's bytes instead of a `String` per row.
    static func categoryCodes(_ features: Table, _ attribute: String) throws(PipelineError) -> (
        codes: [Int32], names: [String], counts: [Int]
    ) {
        let column = try features.requireColumn(attribute)
        guard let strings = column.values.strings else {
            throw PipelineError(.configuration, "attribute \"\(attribute)\" is not text")
        }
        let interner = StringInterner(capacity: 64)
        var codes = interner.insertAll(strings)
        let unknown = Int32(interner.insert(unknownCategory).ordinal)
        let valid = column.validity
        strings.withUnsafeStorage { offsets, _ in
            for row in codes.indices where !(valid?[row] ?? true) || offsets[row + 1] == offsets[row] {
                codes[row] = unknown
            }
        }
        var counts = [Int](repeating: 0, count: interner.count)
        for code in codes { counts[Int(code)] += 1 }
        return (codes, (0..<interner.count).map { interner.string(at: $0) }, counts)
    }

    // MARK: - Between runs

    /// A scaled coordinate back in transformed, unscaled units (a category's share for a one-hot column).
    func unscale(_ value: Double, feature: Int) -> Double {
        weights[feature] > 0 ? value / weights[feature] * spreads[feature] + centers[feature] : centers[feature]
    }

    /// A transformed, unscaled coordinate (a category's share for a one-hot column) in this run's scaled space.
    func scale(_ value: Double, feature: Int) -> Double {
        spreads[feature] > 0 ? (value - centers[feature]) / spreads[feature] * weights[feature] : 0
    }

    /// Another run's segment centroids (`centroid_<column>` columns) in this run's scaled space, or nil when that
    /// run did not cluster on the same numeric features.
    ///
    /// A category column the other run lacks counts as a share of 0 there (that run had the category under
    /// `other`, or not at all); a categorical attribute the other run did not use at all makes it incomparable.
    func scaledCentroids(of segments: Table) -> FeatureMatrix? {
        var columns: [[Double]] = []
        for (index, name) in names.enumerated() {
            if let values = try? segments.doubles("centroid_\(name)") {
                columns.append(values.map { scale($0, feature: index) })
                continue
            }
            guard case .category(let attribute, _) = kinds[index],
                segments.columns.contains(where: { $0.name.hasPrefix("centroid_\(attribute)=") })
            else { return nil }
            columns.append([Double](repeating: scale(0, feature: index), count: segments.rowCount))
        }
        return columns.first.map { _ in FeatureMatrix(columns: columns) }
    }

    /// The parameters as recorded in the segment manifest: one object per numeric feature and per categorical
    /// attribute.
    var manifestValue: JSONValue {
        var object: [String: JSONValue] = [:]
        for (index, name) in names.enumerated() where kinds[index] == .numeric {
            var entry: [String: JSONValue] = [
                "transform": .string(transforms[index].rawValue), "fill": .double(fills[index]),
                "scaling": .string(methods[index]), "center": .double(centers[index]),
                "scale": .double(spreads[index]), "weight": .double(weights[index]),
            ]
            entry.merge(details[name] ?? [:]) { $1 }
            object[name] = .object(entry)
        }
        for (attribute, detail) in details where detail["kind"] == .string("one-hot") {
            object[attribute] = .object(detail)
        }
        return .object(object)
    }
}

extension FeatureScaling {
    /// The matrix of `features` built with another run's recorded parameters (its segment manifest's `scaling`),
    /// not fitted on these customers: the same imputed value, winsorising cuts, transform, centre, scale and
    /// weight per numeric feature, the same category columns per attribute (values that run did not list go to its
    /// `other` column, or to none when it had none).
    ///
    /// - Throws: ``PipelineError`` with code `configuration` when the parameters lack a feature of `names`.
    init(features: Table, names numericNames: [String], reference: JSONValue, runID: String) throws(PipelineError) {
        guard case .object(let parameters) = reference else {
            throw PipelineError(
                .configuration,
                "segment.score_with: run \(runID) recorded no transform parameters; rerun its segment stage")
        }
        func number(_ entry: [String: JSONValue], _ key: String) -> Double? {
            switch entry[key] {
            case .double(let value): value
            case .int(let value): Double(value)
            default: nil
            }
        }
        let count = features.rowCount
        var assembly = Assembly()
        for name in numericNames {
            guard case .object(let entry) = parameters[name], let center = number(entry, "center"),
                let spread = number(entry, "scale"), let weight = number(entry, "weight")
            else {
                throw PipelineError(
                    .configuration,
                    "segment.score_with: run \(runID) did not cluster on \(name); score with a run that used the same "
                        + "features.clustering")
            }
            let fill = number(entry, "fill") ?? 0
            let transform = FeatureTransform(rawValue: entry["transform"]?.stringValue ?? "log1p") ?? .log1p
            var clip: (lower: Double?, upper: Double?)?
            if case .object(let cut) = entry["winsorize"] {
                clip = (number(cut, "lower"), number(cut, "upper"))
            }
            var feature = try NumericFeature(features, name)
            for row in 0..<count {
                var value = feature.present[row] ? feature.values[row] : fill
                if let clip {
                    if let lower = clip.lower { value = max(value, lower) }
                    if let upper = clip.upper { value = min(value, upper) }
                }
                value = Self.transform(value, transform)
                feature.values[row] = spread > 0 ? (value - center) / spread * weight : 0
            }
            assembly.appendNumeric(
                name, values: feature.values, transform: transform, fill: fill, clip: clip,
                method: entry["scaling"]?.stringValue ?? "zscore", center: center, spread: spread, weight: weight,
                detail: entry)
        }
        for (attribute, value) in parameters.sorted(by: { $0.key < $1.key }) {
            guard case .object(let entry) = value, entry["kind"] == .string("one-hot"),
                case .array(let listed) = entry["categories"]
            else { continue }
            let weight = number(entry, "weight") ?? 1
            let categories = listed.compactMap(\.stringValue)
            assembly.appendCategories(
                attribute, categories: categories, values: try Self.categoryValues(features, attribute), weight: weight,
                detail: entry)
        }
        self.init(assembly)
    }
}

extension FeatureScaling {
    /// A parsed `features.winsorize` setting: `0.99` clips both tails (1st and 99th percentile), `upper:0.99` only
    /// the upper one.
    struct Winsorizing: Equatable {
        /// The upper percentile as a fraction in (0.5, 1).
        var percentile: Double
        /// Whether only values above the upper cut are clipped.
        var isUpperOnly: Bool

        /// Parses a setting; nil when it is not a fraction in (0.5, 1), optionally prefixed with `upper:`.
        init?(_ setting: String) {
            let text = setting.trimmingCharacters(in: .whitespaces)
            isUpperOnly = text.hasPrefix("upper:")
            let number =
                isUpperOnly ? String(text.dropFirst("upper:".count)).trimmingCharacters(in: .whitespaces) : text
            guard let value = Double(number), value > 0.5, value < 1 else { return nil }
            percentile = value
        }
    }
}
