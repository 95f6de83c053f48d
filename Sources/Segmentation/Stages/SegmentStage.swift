import Clustering
import Columnar
import Foundation

/// Segments customers with k-means on scaled features, and scores them with classic RFM.
///
/// Matrix preparation, per clustering feature: missing values imputed (recency without orders as the largest
/// observed recency + 1, everything else as 0), the configured transform (`log1p` by default), z-scoring with
/// the population mean and standard deviation, then the feature weight. The scaling parameters are recorded in
/// the manifest so a later run can score customers the same way.
/// Segments are numbered 1…k by descending mean `monetary_total`, so segment 1 is the most valuable.
struct SegmentStage {
    let context: StageContext

    func run(_ inputs: StageInputs) throws(PipelineError) -> StageOutput {
        let features = try inputs.table("customer_features", of: .features)
        let settings = context.configuration.segment
        let featureNames = context.configuration.features.clustering
        let count = features.rowCount
        guard count >= settings.k else {
            throw PipelineError(
                .dataQuality,
                "only \(count) customers remain after cleaning, fewer than segment.k = \(settings.k); check the rejects table"
            )
        }

        // MARK: Matrix
        var scaling: [String: JSONValue] = [:]
        var columns: [[Double]] = []
        for name in featureNames {
            var (values, present) = try numericColumn(features, name)
            let observed = values.indices.filter { present[$0] }.map { values[$0] }
            let fill = name == "recency_days" ? (observed.max() ?? 0) + 1 : 0
            for row in 0..<count where !present[row] { values[row] = fill }
            let transform =
                FeatureTransform(rawValue: context.configuration.features.transforms[name] ?? "log1p") ?? .log1p
            if transform == .log1p {
                for row in 0..<count { values[row] = log1p(max(values[row], 0)) }
            }
            let mean = values.reduce(0, +) / Double(count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)
            let deviation = variance.squareRoot()
            let weight = context.configuration.features.weights[name] ?? 1
            for row in 0..<count {
                values[row] = deviation > 0 ? (values[row] - mean) / deviation * weight : 0
            }
            columns.append(values)
            scaling[name] = .object([
                "transform": .string(transform.rawValue), "fill": .double(fill), "mean": .double(mean),
                "std": .double(deviation), "weight": .double(weight),
            ])
        }
        let matrix = FeatureMatrix(columns: columns)

        // MARK: Clustering
        let kMeans = KMeans(
            k: settings.k, seed: settings.seed, restarts: settings.restarts, maxIterations: settings.maxIterations)
        let result: KMeansResult
        do {
            result = try kMeans.fit(matrix)
        } catch {
            throw PipelineError(.internal, "k-means failed on \(count) customers", underlying: error)
        }

        // Order clusters by descending mean monetary value; ties by cluster index.
        let monetary = try features.doubles("monetary_total")
        var revenue = [Double](repeating: 0, count: settings.k)
        var sizes = [Int](repeating: 0, count: settings.k)
        for row in 0..<count {
            let cluster = Int(result.labels[row])
            revenue[cluster] += monetary[row]
            sizes[cluster] += 1
        }
        let order = (0..<settings.k).sorted { lhs, rhs in
            let left = sizes[lhs] > 0 ? revenue[lhs] / Double(sizes[lhs]) : -.infinity
            let right = sizes[rhs] > 0 ? revenue[rhs] / Double(sizes[rhs]) : -.infinity
            return left != right ? left > right : lhs < rhs
        }
        var segmentOf = [Int](repeating: 0, count: settings.k)
        for (position, cluster) in order.enumerated() { segmentOf[cluster] = position + 1 }

        // Labels from the centroids' z-scores (weights divided out).
        let zScores = order.map { cluster in
            featureNames.indices.map { feature -> Double in
                let weight = context.configuration.features.weights[featureNames[feature]] ?? 1
                return weight > 0 ? result.centroids[cluster, feature] / weight : 0
            }
        }
        let labels = SegmentLabeler.labels(zScores: zScores, features: featureNames)

        // MARK: RFM
        let recency = try numericColumn(features, "recency_days")
        let frequency = try numericColumn(features, "frequency")
        let hasOrders = frequency.values.map { $0 > 0 }
        let rScores = RFMScoring.quintileScores(recency.values, isPresent: hasOrders, smallerIsBetter: true)
        let fScores = RFMScoring.quintileScores(frequency.values, isPresent: hasOrders, smallerIsBetter: false)
        let mScores = RFMScoring.quintileScores(monetary, isPresent: hasOrders, smallerIsBetter: false)

        // MARK: Tables
        let ids = try features.strings("customer_id")
        var segmentIDs: [Int64] = []
        segmentIDs.reserveCapacity(count)
        var segmentLabels = StringColumn(capacity: count)
        var rfmScore = ColumnBuilder(name: "rfm_score", type: .utf8, capacity: count)
        var rfmSegment = StringColumn(capacity: count)
        var r = ColumnBuilder(name: "r_score", type: .int64, capacity: count)
        var f = ColumnBuilder(name: "f_score", type: .int64, capacity: count)
        var m = ColumnBuilder(name: "m_score", type: .int64, capacity: count)
        for row in 0..<count {
            let segment = segmentOf[Int(result.labels[row])]
            segmentIDs.append(Int64(segment))
            segmentLabels.append(labels[segment - 1])
            if hasOrders[row] {
                rfmScore.append("\(rScores[row])\(fScores[row])\(mScores[row])")
                rfmSegment.append(RFMScoring.segment(recency: rScores[row], frequency: fScores[row]))
                r.append(Int64(rScores[row]))
                f.append(Int64(fScores[row]))
                m.append(Int64(mScores[row]))
            } else {
                rfmScore.append(nil as String?)
                rfmSegment.append(RFMScoring.noOrdersSegment)
                r.append(nil as Int64?)
                f.append(nil as Int64?)
                m.append(nil as Int64?)
            }
        }
        let customerSegments = try makeTable([
            Column(name: "customer_id", values: .utf8(ids)),
            Column(name: "segment_id", values: .int64(segmentIDs)),
            Column(name: "segment_label", values: .utf8(segmentLabels)),
            Column(name: "distance", values: .float64(result.distances)),
            rfmScore.build(), r.build(), f.build(), m.build(),
            Column(name: "rfm_segment", values: .utf8(rfmSegment)),
        ])
        let segments = try segmentTable(
            features: features, labels: result.labels, order: order, segmentLabels: labels, revenue: revenue,
            sizes: sizes)
        let metrics: [String: JSONValue] = [
            "method": .string(settings.method),
            "k": .int(Int64(settings.k)),
            "inertia": .double(result.inertia),
            "iterations": .int(Int64(result.iterations)),
            "converged": .bool(result.converged),
            "restarts": .int(Int64(settings.restarts)),
            "seed": .int(Int64(bitPattern: settings.seed)),
            "segment_sizes": .array(order.map { .int(Int64(sizes[$0])) }),
            "features": .array(featureNames.map { .string($0) }),
            "scaling": .object(scaling),
        ]
        return StageOutput(tables: [("customer_segments", customerSegments), ("segments", segments)], metrics: metrics)
    }

    /// A numeric feature as doubles with presence flags.
    private func numericColumn(_ table: Table, _ name: String) throws(PipelineError) -> (
        values: [Double], present: [Bool]
    ) {
        let column = try table.requireColumn(name)
        let present = column.validity ?? [Bool](repeating: true, count: column.count)
        switch column.values {
        case .float64(let values): return (values, present)
        case .int64(let values): return (values.map(Double.init), present)
        default:
            throw PipelineError(.configuration, "feature \"\(name)\" is not numeric and cannot feed clustering")
        }
    }

    private func segmentTable(
        features: Table, labels: [Int32], order: [Int], segmentLabels: [String], revenue: [Double], sizes: [Int]
    ) throws(PipelineError) -> Table {
        let k = order.count
        let total = Double(labels.count)
        let totalRevenue = revenue.reduce(0, +)
        var columns: [Column] = [
            Column(name: "segment_id", values: .int64((1...k).map(Int64.init))),
            Column(name: "label", values: .utf8(StringColumn(segmentLabels))),
            Column(
                name: "method",
                values: .utf8(StringColumn(Array(repeating: context.configuration.segment.method, count: k)))),
            Column(name: "size", values: .int64(order.map { Int64(sizes[$0]) })),
            Column(name: "share", values: .float64(order.map { Double(sizes[$0]) / total })),
            Column(
                name: "revenue_share",
                values: .float64(order.map { totalRevenue > 0 ? revenue[$0] / totalRevenue : 0 })),
        ]
        for name in FeatureCatalog.numericFeatureNames {
            guard features[name] != nil else { continue }
            let (values, present) = try numericColumn(features, name)
            var sums = [Double](repeating: 0, count: k)
            var counts = [Int](repeating: 0, count: k)
            for row in 0..<values.count where present[row] {
                sums[Int(labels[row])] += values[row]
                counts[Int(labels[row])] += 1
            }
            var builder = ColumnBuilder(name: "mean_\(name)", type: .float64, capacity: k)
            for cluster in order { builder.append(counts[cluster] > 0 ? sums[cluster] / Double(counts[cluster]) : nil) }
            columns.append(builder.build())
        }
        return try makeTable(columns)
    }

    private func makeTable(_ columns: [Column]) throws(PipelineError) -> Table {
        do {
            return try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "segment produced an inconsistent table", underlying: error)
        }
    }
}
