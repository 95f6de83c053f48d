import Columnar

/// Everything the segment report shows, read from one run's checkpoints.
struct ReportData {
    /// One row of the `segments` table.
    struct Segment {
        var id: Int64
        var label: String
        var size: Int
        var share: Double
        var revenueShare: Double

        /// `3 · High value, frequent`.
        var title: String { "\(id) · \(label)" }
    }

    /// Segment × feature z-scores of the `segment_profiles` table, rows in the order of ``ReportData/segments``.
    struct Profile {
        var features: [String]
        var zScores: [[Double?]]
        var means: [[Double?]]
        var populationMeans: [Double]
    }

    /// Model-selection scores per candidate k.
    struct KSelection {
        var k: [Double]
        var silhouette: [Double]
        var inertia: [Double]
        var chosen: Int?
    }

    /// Customers per (previous segment, current segment) since the previous run.
    struct Transitions {
        var previousRunID: String
        var previousAsOf: String
        /// Previous segments, then `new customers` when there are any.
        var fromLabels: [String]
        /// Current segments, then `left` when customers of the previous run are missing from this one.
        var toLabels: [String]
        /// `counts[from][to]`.
        var counts: [[Int]]
        var stayed: Int
        var moved: Int
        var new: Int
        var left: Int
    }

    /// Data-quality figures of one stage's manifest.
    struct StageQuality {
        var stage: StageName
        var status: String
        var rejectsByReason: [(reason: String, count: Int)]
        var rejectRates: [(table: String, rate: Double)]
        var rowsRejected: Int?
        var duplicatesMerged: Int?
        var customersIn: Int?
        var customersOut: Int?
    }

    var run: RunRecord
    var segmentManifest: StageManifest
    var customerCount: Int
    var segments: [Segment]
    var profile: Profile
    /// Customers per R score (index 0 = R 1) and F score (index 0 = F 1).
    var rfmGrid: [[Int]]
    /// Customers per named RFM segment, in ``RFMScoring/segments`` order, then `No Orders`, then any others.
    var rfmSegments: [(name: String, count: Int)]
    var kSelection: KSelection?
    var dendrogram: [DendrogramLayout.Merge]?
    var transitions: Transitions?
    var quality: [StageQuality]

    /// A metric of the segment stage as display text, if present.
    func segmentMetric(_ key: String) -> String? {
        segmentManifest.metrics[key].flatMap(Self.text)
    }

    /// A metric value as display text (numbers formatted, strings as they are).
    static func text(_ value: JSONValue) -> String? {
        switch value {
        case .null: nil
        case .bool(let flag): flag ? "yes" : "no"
        case .int(let number): Markup.count(Int(number))
        case .double(let number): Markup.decimal(number, digits: abs(number) >= 100 ? 1 : 4)
        case .string(let string): string
        case .array(let values): values.compactMap(text).joined(separator: ", ")
        case .object(let fields):
            fields.sorted { $0.key < $1.key }.compactMap { key, value in
                text(value).map { "\(key): \($0)" }
            }.joined(separator: ", ")
        }
    }
}

// MARK: - Column reading with nulls

extension Table {
    /// The values of a float64 column with nulls as `nil`.
    func optionalDoubles(_ name: String) throws(PipelineError) -> [Double?] {
        let values = try doubles(name)
        guard let validity = try validity(name) else { return values.map { $0 } }
        return zip(values, validity).map { $1 ? $0 : nil }
    }

    /// The values of an int64 column with nulls as `nil`.
    func optionalInt64s(_ name: String) throws(PipelineError) -> [Int64?] {
        let values = try int64s(name)
        guard let validity = try validity(name) else { return values.map { $0 } }
        return zip(values, validity).map { $1 ? $0 : nil }
    }

    /// The values of a numeric column (int64 or float64) as doubles.
    func numbers(_ name: String) throws(PipelineError) -> [Double] {
        let column = try requireColumn(name)
        switch column.values {
        case .int64(let values): return values.map(Double.init)
        case .float64(let values): return values
        default:
            throw PipelineError(.checkpoint, "column \"\(name)\" has type \(column.type), expected a number")
        }
    }

    /// The values of a bool column.
    func bools(_ name: String) throws(PipelineError) -> [Bool] {
        let column = try requireColumn(name)
        guard case .bool(let values) = column.values else {
            throw PipelineError(.checkpoint, "column \"\(name)\" has type \(column.type), expected bool")
        }
        return values
    }
}
