import Foundation
import Yams

extension PipelineConfiguration {
    /// Reads, checks and decodes a pipeline file.
    ///
    /// Unknown keys, wrong types and invalid values are reported as ``PipelineError/Code/configuration`` errors
    /// naming the file, line and column and what was expected.
    public static func load(path: String) throws(PipelineError) -> PipelineConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PipelineError(.configuration, "cannot read pipeline file \(path)", underlying: error)
        }
        return try parse(yaml: text, path: path)
    }

    /// Checks and decodes pipeline YAML; `path` is only used in messages.
    public static func parse(yaml: String, path: String) throws(PipelineError) -> PipelineConfiguration {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw PipelineError(.configuration, "\(path): the pipeline file is empty")
            }
            root = node
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(.configuration, "\(path): not valid YAML: \(error)")
        }
        try KeySchema.pipeline.check(root, path: path, keyPath: "")
        let configuration: PipelineConfiguration
        do {
            configuration = try YAMLDecoder().decode(PipelineConfiguration.self, from: root)
        } catch let error as DecodingError {
            throw PipelineError(.configuration, describe(error, root: root, path: path))
        } catch {
            throw PipelineError(.configuration, "\(path): \(error)")
        }
        try configuration.validate(root: root, path: path)
        return configuration
    }

    /// Checks values that decode but make no sense, naming the key's place in the file.
    func validate(root: Node, path: String) throws(PipelineError) {
        func fail(_ keyPath: [String], _ message: String) -> PipelineError {
            let mark = root.node(at: keyPath)?.mark.map { ":\($0.line):\($0.column)" } ?? ""
            return PipelineError(.configuration, "\(path)\(mark): \(keyPath.joined(separator: ".")): \(message)")
        }
        if name.isEmpty || name.utf8.count > 63 {
            throw fail(["name"], "must be 1 to 63 characters")
        }
        let sourceList: [(String, Source?)] = [
            ("customers", sources.customers), ("orders", sources.orders), ("email_events", sources.emailEvents),
        ]
        let schemas = [
            "customers": CanonicalSchema.customers, "orders": CanonicalSchema.orders,
            "email_events": CanonicalSchema.emailEvents,
        ]
        for (key, source) in sourceList {
            guard let source else { continue }
            let kinds = [source.path, source.table, source.query].compactMap { $0 }.count
            if kinds != 1 {
                throw fail(["sources", key], "needs exactly one of path, table or query")
            }
            if source.filter != nil, source.table == nil {
                throw fail(["sources", key, "where"], "applies to a table source only")
            }
            let fieldNames = Set(schemas[key]?.fields.map(\.name) ?? [])
            for canonical in source.columns.keys.sorted() where !fieldNames.contains(canonical) {
                throw fail(
                    ["sources", key, "columns", canonical],
                    "\"\(canonical)\" is not a canonical \(key) column (expected one of "
                        + "\(fieldNames.sorted().joined(separator: ", ")))")
            }
            if !source.header {
                for (canonical, position) in source.columns where (Int(position) ?? 0) < 1 {
                    throw fail(
                        ["sources", key, "columns", canonical],
                        "a file without a header maps columns by 1-based position, got \"\(position)\"")
                }
            }
            if source.formats.dateFormat == nil {
                throw fail(
                    ["sources", key, "formats", "date"],
                    "unknown date format \"\(source.formats.date)\" "
                        + "(expected auto, yyyy-MM-dd, dd.MM.yyyy, MM/dd/yyyy or yyyyMMdd)")
            }
            if source.formats.decimalStyle == nil {
                throw fail(
                    ["sources", key, "formats", "decimal"],
                    "unknown decimal style \"\(source.formats.decimal)\" (expected auto, point or comma)")
            }
            if source.quote.utf8.count != 1 {
                throw fail(["sources", key, "quote"], "must be a single character")
            }
            if CSVDialect.delimiterByte(named: source.delimiter) == nil {
                throw fail(
                    ["sources", key, "delimiter"],
                    "unknown delimiter \"\(source.delimiter)\" (expected \",\", \";\", \"tab\" or \"|\")")
            }
            if CSVEncoding(name: source.encoding) == nil {
                throw fail(
                    ["sources", key, "encoding"],
                    "unknown encoding \"\(source.encoding)\" (expected utf-8, windows-1252 or latin-1)")
            }
        }
        if !(0...1).contains(clean.maxRejectRate) {
            throw fail(["clean", "max_reject_rate"], "must be between 0 and 1, got \(clean.maxRejectRate)")
        }
        for (currency, rate) in clean.currencyRates where !(rate > 0) || !rate.isFinite {
            throw fail(["clean", "currency_rates", currency], "rate must be a positive number, got \(rate)")
        }
        for rule in dedupe.rules where !["email", "phone", "fuzzy"].contains(rule) {
            throw fail(["dedupe", "rules"], "unknown rule \"\(rule)\" (expected email, phone or fuzzy)")
        }
        if !(0.5...1).contains(dedupe.threshold) {
            throw fail(["dedupe", "threshold"], "must be between 0.5 and 1, got \(dedupe.threshold)")
        }
        if dedupe.maxBlockSize < 2 || dedupe.maxGroupSize < 2 {
            throw fail(["dedupe", "max_block_size"], "max_block_size and max_group_size must be at least 2")
        }
        let policies = ["most_recent", "oldest", "smallest_id", "longest", "earliest", "latest"]
        for (field, policy) in dedupe.survivorship {
            guard CanonicalSchema.customers.fields.contains(where: { $0.name == field }), field != "customer_id" else {
                throw fail(["dedupe", "survivorship", field], "\"\(field)\" is not a customer field")
            }
            guard policies.contains(policy) else {
                throw fail(
                    ["dedupe", "survivorship", field],
                    "unknown policy \"\(policy)\" (expected \(policies.joined(separator: ", ")))")
            }
        }
        if clean.unknownCustomers != "reject", (clean.placeholderCustomer ?? "").isEmpty {
            throw fail(
                ["clean", "unknown_customers"], "expected reject or placeholder:ID, got \"\(clean.unknownCustomers)\"")
        }
        if PhoneRegion.region(code: clean.defaultRegion) == nil {
            throw fail(["clean", "default_region"], "unknown region \"\(clean.defaultRegion)\" for phone numbers")
        }
        for (key, policy) in clean.missingValues {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0] == "customers",
                CanonicalSchema.customers.fields.contains(where: { $0.name == parts[1] && $0.kind == .text })
            else {
                throw fail(["clean", "missing_values", key], "expected customers.<text field>, such as customers.city")
            }
            guard ["keep", "reject"].contains(policy) || policy.hasPrefix("default:") else {
                throw fail(["clean", "missing_values", key], "unknown policy \"\(policy)\" (expected keep, reject or default:VALUE)")
            }
        }
        if features.clustering.isEmpty {
            throw fail(["features", "clustering"], "needs at least one feature")
        }
        for feature in features.clustering where !FeatureCatalog.numericFeatureNames.contains(feature) {
            throw fail(
                ["features", "clustering"],
                "unknown feature \"\(feature)\" (expected one of \(FeatureCatalog.numericFeatureNames.joined(separator: ", ")))"
            )
        }
        for (feature, transform) in features.transforms {
            guard features.clustering.contains(feature) else {
                throw fail(["features", "transforms", feature], "\"\(feature)\" is not in features.clustering")
            }
            guard FeatureTransform(rawValue: transform) != nil else {
                throw fail(
                    ["features", "transforms", feature], "unknown transform \"\(transform)\" (expected log1p or none)")
            }
        }
        for (feature, weight) in features.weights {
            guard features.clustering.contains(feature) else {
                throw fail(["features", "weights", feature], "\"\(feature)\" is not in features.clustering")
            }
            guard weight >= 0, weight.isFinite else {
                throw fail(["features", "weights", feature], "weight must be a non-negative number, got \(weight)")
            }
        }
        for (feature, setting) in features.winsorize {
            guard features.clustering.contains(feature) else {
                throw fail(["features", "winsorize", feature], "\"\(feature)\" is not in features.clustering")
            }
            guard FeatureScaling.Winsorizing(setting) != nil else {
                throw fail(
                    ["features", "winsorize", feature],
                    "expected a percentile between 0.5 and 1 such as 0.99, or upper:0.99, got \"\(setting)\"")
            }
        }
        let scalings = ["zscore", "robust"]
        if !scalings.contains(features.scaling) {
            throw fail(["features", "scaling"], "unknown scaling \"\(features.scaling)\" (expected zscore or robust)")
        }
        for (feature, method) in features.scalingByFeature {
            guard features.clustering.contains(feature) else {
                throw fail(["features", "scaling", feature], "\"\(feature)\" is not in features.clustering")
            }
            guard scalings.contains(method) else {
                throw fail(
                    ["features", "scaling", feature], "unknown scaling \"\(method)\" (expected zscore or robust)")
            }
        }
        let attributes = FeatureCatalog.categoricalAttributeNames
        for (attribute, weight) in features.categorical {
            guard attributes.contains(attribute) else {
                throw fail(
                    ["features", "categorical", attribute],
                    "unknown attribute \"\(attribute)\" (expected one of \(attributes.joined(separator: ", ")))")
            }
            guard weight >= 0, weight.isFinite else {
                throw fail(
                    ["features", "categorical", attribute], "weight must be a non-negative number, got \(weight)")
            }
        }
        if !(1...100).contains(features.maxCategories) {
            throw fail(["features", "max_categories"], "must be between 1 and 100, got \(features.maxCategories)")
        }
        if features.pushdown, !sources.orders.isDatabase {
            throw fail(["features", "pushdown"], "needs an orders source read from PostgreSQL (table or query)")
        }
        if features.pushdown, clean.placeholderCustomer != nil {
            throw fail(["features", "pushdown"], "cannot be combined with clean.unknown_customers: placeholder")
        }
        let predicted = ["predicted_clv_12m", "expected_purchases_12m", "probability_alive"]
        if !features.predictCLV, let feature = features.clustering.first(where: predicted.contains) {
            throw fail(
                ["features", "predict_clv"], "is false, but features.clustering uses \(feature), which it computes")
        }
        if !["kmeans", "hierarchical"].contains(segment.method) {
            throw fail(["segment", "method"], "unknown method \"\(segment.method)\" (expected kmeans or hierarchical)")
        }
        if let k = segment.k, !(2...200).contains(k) {
            throw fail(["segment", "k"], "must be auto or between 2 and 200, got \(k)")
        }
        if segment.kMin < 2 || segment.kMax > 50 || segment.kMin > segment.kMax {
            throw fail(["segment", "k_min"], "k_min and k_max must satisfy 2 <= k_min <= k_max <= 50")
        }
        if !["ward", "complete", "average", "single"].contains(segment.linkage) {
            throw fail(["segment", "linkage"], "unknown linkage \"\(segment.linkage)\" (expected ward, complete, average or single)")
        }
        if !(100...1_000_000).contains(segment.hierarchicalMaxPoints) {
            throw fail(["segment", "hierarchical_max_points"], "must be between 100 and 1000000")
        }
        if !(10...20_000).contains(segment.microClusters) {
            throw fail(["segment", "micro_clusters"], "must be between 10 and 20000")
        }
        if !(1...100).contains(segment.restarts) {
            throw fail(["segment", "restarts"], "must be between 1 and 100, got \(segment.restarts)")
        }
        if !(1...10_000).contains(segment.maxIterations) {
            throw fail(["segment", "max_iterations"], "must be between 1 and 10000, got \(segment.maxIterations)")
        }
        if load.schema.isEmpty || load.schema.utf8.count > 63 {
            throw fail(["load", "schema"], "must be 1 to 63 characters")
        }
        if let rules {
            do {
                _ = try RuleSet(rules, schema: RuleSegmentation.schema)
            } catch {
                let index = rules.segments.firstIndex { $0.name == error.rule }
                throw fail(index.map { ["rules", "segments", String($0), "when"] } ?? ["rules"], error.description)
            }
        }
        if load.keepRuns < 0 {
            throw fail(["load", "keep_runs"], "must be 0 (keep all) or more")
        }
    }

    private static func describe(_ error: DecodingError, root: Node, path: String) -> String {
        func place(_ codingPath: [any CodingKey]) -> String {
            let keys = codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            let mark = root.node(at: keys)?.mark.map { ":\($0.line):\($0.column)" } ?? ""
            return "\(path)\(mark): \(keys.joined(separator: "."))"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(place(context.codingPath)): missing required key \"\(key.stringValue)\""
        case .typeMismatch(let type, let context):
            return "\(place(context.codingPath)): expected \(Self.readableTypeName(type))"
        case .valueNotFound(let type, let context):
            return "\(place(context.codingPath)): expected \(Self.readableTypeName(type)), found nothing"
        case .dataCorrupted(let context):
            return "\(place(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(path): \(error)"
        }
    }

    private static func readableTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is UInt64.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "a \(type)"
        }
    }
}

extension Node {
    /// The node at a key path of mapping keys and sequence indices, if present.
    func node(at keyPath: [String]) -> Node? {
        var current: Node = self
        for key in keyPath {
            if let mapping = current.mapping, let next = mapping[key] {
                current = next
            } else if let sequence = current.sequence, let index = Int(key), sequence.indices.contains(index) {
                current = sequence[index]
            } else {
                return nil
            }
        }
        return current
    }
}
