import Clustering
import Columnar
import Foundation
import Logging

/// Segments customers by clustering their scaled features, and scores them with classic RFM.
///
/// Matrix preparation, per clustering feature: missing values imputed (recency without orders as the largest
/// observed recency + 1, everything else as 0), the configured transform (`log1p` by default), z-scoring with
/// the population mean and standard deviation, then the feature weight. The scaling parameters are recorded in
/// the manifest so a later run can score customers the same way.
///
/// Methods: `kmeans` (k-means++ restarts, seeded) or `hierarchical` (Ward, complete, average or single linkage;
/// above `hierarchical_max_points` customers in two stages — k-means micro-clusters, then weighted linkage —
/// with the reason logged). `k: auto` picks the k in `k_min…k_max` with the highest silhouette and records
/// every k's silhouette, Calinski-Harabasz, Davies-Bouldin and inertia in the `k_selection` table.
///
/// Segment ids: with `stable_ids` and a previous run, today's segments take the ids of the previous run's
/// segments they match best (optimal assignment of centroids), so segment 3 means the same group tomorrow;
/// otherwise (and for new segments) ids are given by descending mean `monetary_total`.
struct SegmentStage {
    let context: StageContext

    /// Model-selection scores of one k.
    private struct KScore {
        var k: Int
        var silhouette: Double
        var calinskiHarabasz: Double
        var daviesBouldin: Double
        var inertia: Double
    }

    /// A clustering before ids are assigned: labels 0..<k and centroids in scaled space.
    private struct Clusters {
        var labels: [Int32]
        var centroids: FeatureMatrix
        var k: Int
        var metrics: [String: JSONValue]
        var dendrogram: Dendrogram?
        var selection: [KScore] = []
    }

    func run(_ inputs: StageInputs) throws(PipelineError) -> StageOutput {
        let features = try inputs.table("customer_features", of: .features)
        let settings = context.configuration.segment
        let featureNames = context.configuration.features.clustering
        let count = features.rowCount
        let smallestK = settings.k ?? settings.kMin
        guard count > smallestK else {
            throw PipelineError(
                .dataQuality,
                "only \(count) customers remain after cleaning, too few for \(smallestK) segments; check the rejects table"
            )
        }

        // With segment.score_with: the earlier run's transform parameters and centroids, nothing fitted.
        let reference = inputs.scoringReference
        let scaling: FeatureScaling
        if let reference {
            scaling = try FeatureScaling(
                features: features, names: featureNames, reference: reference.scaling, runID: reference.runID)
        } else {
            scaling = try FeatureScaling(features: features, names: featureNames, configuration: context.configuration)
        }
        let matrix = scaling.matrix
        try context.checkCancellation()
        var clusters: Clusters
        if let reference {
            clusters = try score(matrix, with: reference, scaling: scaling)
        } else {
            clusters = try cluster(matrix)
        }
        try context.checkCancellation()

        // MARK: Segment ids
        let monetary = try features.doubles("monetary_total")
        var revenue = [Double](repeating: 0, count: clusters.k)
        var sizes = [Int](repeating: 0, count: clusters.k)
        for row in 0..<count {
            revenue[Int(clusters.labels[row])] += monetary[row]
            sizes[Int(clusters.labels[row])] += 1
        }
        let byValue = (0..<clusters.k).sorted { lhs, rhs in
            let left = sizes[lhs] > 0 ? revenue[lhs] / Double(sizes[lhs]) : -.infinity
            let right = sizes[rhs] > 0 ? revenue[rhs] / Double(sizes[rhs]) : -.infinity
            return left != right ? left > right : lhs < rhs
        }
        let segmentOf: [Int]
        let matching: [String: JSONValue]
        if let reference {
            segmentOf = try reference.segments.int64s("segment_id").map { Int($0) }
            matching = ["stable_ids": .string("scored with run \(reference.runID): its segment ids")]
        } else {
            (segmentOf, matching) = assignIDs(clusters: clusters, byValue: byValue, scaling: scaling, inputs: inputs)
        }
        clusters.metrics.merge(matching) { $1 }
        // Segments listed by id.
        let order = (0..<clusters.k).sorted { segmentOf[$0] < segmentOf[$1] }

        let zScores = order.map { cluster in
            featureNames.indices.map { feature -> Double in
                let weight = scaling.weights[feature]
                return weight > 0 ? clusters.centroids[cluster, feature] / weight : 0
            }
        }
        // Segments whose customers never completed an order say so instead of describing imputed values.
        let buyers = try NumericFeature(features, "frequency").clusterMeans(labels: clusters.labels, k: clusters.k)
        let labels = SegmentLabeler.labels(
            zScores: zScores, features: featureNames, withoutOrders: order.map { (buyers[$0] ?? 0) == 0 })
        var labelOf = [String](repeating: "", count: clusters.k)
        for (position, cluster) in order.enumerated() { labelOf[cluster] = labels[position] }

        // Distances to the centroid in scaled space.
        var distances = [Double](repeating: 0, count: count)
        for row in 0..<count {
            let cluster = Int(clusters.labels[row])
            var sum = 0.0
            for feature in 0..<matrix.columnCount {
                let delta = matrix[row, feature] - clusters.centroids[cluster, feature]
                sum += delta * delta
            }
            distances[row] = sum.squareRoot()
        }

        // MARK: RFM
        let recency = try NumericFeature(features, "recency_days")
        let frequency = try NumericFeature(features, "frequency")
        let hasOrders = frequency.values.map { $0 > 0 }
        // The three scores (a sort of a million values each) side by side.
        let rfmScores = try concurrentMap([(recency.values, true), (frequency.values, false), (monetary, false)]) {
            (values: [Double], smallerIsBetter: Bool) throws(PipelineError) -> [Int] in
            RFMScoring.quintileScores(values, isPresent: hasOrders, smallerIsBetter: smallerIsBetter)
        }
        let (rScores, fScores, mScores) = (rfmScores[0], rfmScores[1], rfmScores[2])

        // MARK: Tables
        // The per-customer table (with the rule segments) and the per-segment ones side by side.
        let (clusterOf, frozen) = (clusters.labels, clusters)
        let (clusterLabels, clusterDistances, clusterRevenue, clusterSizes) = (labelOf, distances, revenue, sizes)
        let (customerPart, summaryTables) = try concurrently(
            { () throws(PipelineError) -> (table: Table, ids: StringColumn, segmentIDs: [Int64], rules: JSONValue?) in
                var ruleMetrics: JSONValue?
                let ids = try features.strings("customer_id")
                var segmentIDs: [Int64] = []
                segmentIDs.reserveCapacity(count)
                var segmentLabels = StringColumn(capacity: count)
                var rfmScore = ColumnBuilder(name: "rfm_score", type: .utf8, capacity: count)
                var rfmSegment = StringColumn(capacity: count)
                var r = ColumnBuilder(name: "r_score", type: .int64, capacity: count)
                var f = ColumnBuilder(name: "f_score", type: .int64, capacity: count)
                var m = ColumnBuilder(name: "m_score", type: .int64, capacity: count)
                // The 125 score strings and the 25 named (R, F) segments, looked up instead of built per row.
                let scoreNames = (0..<125).map { "\($0 / 25 + 1)\($0 / 5 % 5 + 1)\($0 % 5 + 1)" }
                let segmentNames = (0..<25).map { RFMScoring.segment(recency: $0 / 5 + 1, frequency: $0 % 5 + 1) }
                for row in 0..<count {
                    let cluster = Int(clusterOf[row])
                    segmentIDs.append(Int64(segmentOf[cluster]))
                    segmentLabels.append(clusterLabels[cluster])
                    if hasOrders[row] {
                        let (rScore, fScore, mScore) = (rScores[row] - 1, fScores[row] - 1, mScores[row] - 1)
                        rfmScore.append(scoreNames[rScore * 25 + fScore * 5 + mScore])
                        rfmSegment.append(segmentNames[rScore * 5 + fScore])
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
                var customerColumns = [
                    Column(name: "customer_id", values: .utf8(ids)),
                    Column(name: "segment_id", values: .int64(segmentIDs)),
                    Column(name: "segment_label", values: .utf8(segmentLabels)),
                    Column(name: "distance", values: .float64(clusterDistances)),
                    rfmScore.build(), r.build(), f.build(), m.build(),
                    Column(name: "rfm_segment", values: .utf8(rfmSegment)),
                ]
                if let rules = context.configuration.rules {
                    let (ruleSegments, metrics) = try RuleSegmentation.assign(
                        rules, features: features, rfmSegment: rfmSegment,
                        scores: ["r_score": rScores, "f_score": fScores, "m_score": mScores], hasOrders: hasOrders)
                    customerColumns.append(Column(name: "rule_segment", values: .utf8(ruleSegments)))
                    ruleMetrics = metrics
                }
                return (try makeTable(customerColumns), ids, segmentIDs, ruleMetrics)
            },
            { () throws(PipelineError) -> [(name: String, table: Table)] in
                [
                    (
                        "segments",
                        try segmentTable(
                            features: features, clusters: frozen, order: order, segmentOf: segmentOf,
                            labelOf: clusterLabels, revenue: clusterRevenue, sizes: clusterSizes,
                            scaling: scaling)
                    ),
                    (
                        "segment_profiles",
                        try profileTable(features: features, clusters: frozen, order: order, segmentOf: segmentOf)
                    ),
                    (
                        "segment_attribute_shares",
                        try SegmentAttributeShares.table(
                            features: features, labels: frozen.labels, order: order, segmentOf: segmentOf,
                            maxCategories: context.configuration.features.maxCategories)
                    ),
                ]
            })
        let (ids, segmentIDs) = (customerPart.ids, customerPart.segmentIDs)
        if let rules = customerPart.rules { clusters.metrics["rule_segments"] = rules }
        var tables: [(name: String, table: Table)] = [("customer_segments", customerPart.table)] + summaryTables
        if !clusters.selection.isEmpty {
            tables.append(("k_selection", try kSelectionTable(clusters.selection, chosen: clusters.k)))
            clusters.metrics["k_selection"] = .array(
                clusters.selection.map {
                    .object([
                        "k": .int(Int64($0.k)), "silhouette": .double($0.silhouette),
                        "calinski_harabasz": .double($0.calinskiHarabasz), "davies_bouldin": .double($0.daviesBouldin),
                        "inertia": .double($0.inertia),
                    ])
                })
        }
        if let previous = inputs.previous["customer_segments"] {
            clusters.metrics.merge(try Self.movement(previous: previous, ids: ids, segmentIDs: segmentIDs)) { $1 }
        }
        if let dendrogram = clusters.dendrogram {
            tables.append(("dendrogram", try dendrogramTable(dendrogram)))
        }
        var metrics = clusters.metrics
        metrics["method"] = .string(settings.method)
        metrics["k"] = .int(Int64(clusters.k))
        metrics["k_requested"] = settings.k.map { .int(Int64($0)) } ?? .string("auto")
        metrics["inertia"] = .double(
            ClusterMetrics.inertia(matrix, labels: clusters.labels, centroids: clusters.centroids))
        metrics["seed"] = .int(Int64(bitPattern: settings.seed))
        metrics["segment_sizes"] = .array(order.map { .int(Int64(sizes[$0])) })
        metrics["segment_sizes_by_id"] = .object(
            Dictionary(uniqueKeysWithValues: order.map { (String(segmentOf[$0]), JSONValue.int(Int64(sizes[$0]))) }))
        metrics["features"] = .array(featureNames.map { .string($0) })
        metrics["scaling"] = scaling.manifestValue
        return StageOutput(tables: tables, metrics: metrics)
    }

    // MARK: - Clustering

    private func cluster(_ matrix: FeatureMatrix) throws(PipelineError) -> Clusters {
        let settings = context.configuration.segment
        let range = settings.kMin...min(settings.kMax, matrix.rowCount - 1)
        do {
            if settings.method == "hierarchical" {
                return try hierarchical(matrix, range: range)
            }
            let kMeans = KMeans(
                k: settings.k ?? settings.kMin, seed: settings.seed, restarts: settings.restarts,
                maxIterations: settings.maxIterations)
            let result: KMeansResult
            var scores: [KScore] = []
            if settings.k != nil {
                result = try kMeans.fit(matrix)
            } else {
                let selections = try kMeans.chooseK(matrix, range: range)
                scores = selections.map {
                    KScore(
                        k: $0.k, silhouette: $0.silhouette, calinskiHarabasz: $0.calinskiHarabasz,
                        daviesBouldin: $0.daviesBouldin, inertia: $0.inertia)
                }
                let best = KMeans.bestK(selections) ?? settings.kMin
                guard let chosen = selections.first(where: { $0.k == best }) else {
                    throw PipelineError(.internal, "k selection returned no result for k = \(best)")
                }
                result = chosen.result
                context.logger.info("k chosen by silhouette", metadata: ["k": "\(best)"])
            }
            return Clusters(
                labels: result.labels, centroids: result.centroids, k: result.centroids.rowCount,
                metrics: [
                    "iterations": .int(Int64(result.iterations)), "converged": .bool(result.converged),
                    "restarts": .int(Int64(kMeans.effectiveRestarts(rowCount: matrix.rowCount))),
                ], dendrogram: nil, selection: scores)
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(.internal, "clustering \(matrix.rowCount) customers failed", underlying: error)
        }
    }

    private func hierarchical(_ matrix: FeatureMatrix, range: ClosedRange<Int>) throws -> Clusters {
        let settings = context.configuration.segment
        let linkage = Linkage(rawValue: settings.linkage) ?? .ward
        var metrics: [String: JSONValue] = ["linkage": .string(linkage.rawValue)]
        let cut: (Int) -> [Int32]
        let dendrogram: Dendrogram
        if matrix.rowCount <= settings.hierarchicalMaxPoints {
            dendrogram = try HierarchicalClustering.fit(matrix, linkage: linkage)
            cut = { dendrogram.cut(k: $0) }
            metrics["mode"] = .string("direct")
        } else {
            let reason =
                "\(matrix.rowCount) customers exceed hierarchical_max_points = \(settings.hierarchicalMaxPoints): "
                + "two stages, \(settings.microClusters) k-means micro-clusters then weighted \(linkage.rawValue) linkage"
            context.logger.info("hierarchical clustering in two stages", metadata: ["reason": "\(reason)"])
            let twoStage = try HierarchicalClustering.twoStage(
                matrix, microClusters: settings.microClusters, linkage: linkage, seed: settings.seed)
            dendrogram = twoStage.dendrogram
            cut = { twoStage.cut(k: $0) }
            metrics["mode"] = .string("two-stage")
            metrics["mode_reason"] = .string(reason)
        }
        var k = settings.k ?? settings.kMin
        var scores: [KScore] = []
        if settings.k == nil {
            for candidate in range {
                let labels = cut(candidate)
                let centroids = Self.centroids(matrix, labels: labels, k: candidate)
                scores.append(
                    KScore(
                        k: candidate,
                        silhouette: try ClusterMetrics.silhouette(matrix, labels: labels, seed: settings.seed),
                        calinskiHarabasz: try ClusterMetrics.calinskiHarabasz(matrix, labels: labels),
                        daviesBouldin: try ClusterMetrics.daviesBouldin(matrix, labels: labels),
                        inertia: ClusterMetrics.inertia(matrix, labels: labels, centroids: centroids)))
            }
            // Highest silhouette; ties go to the smaller k.
            k = scores.max { $0.silhouette < $1.silhouette || ($0.silhouette == $1.silhouette && $0.k > $1.k) }?.k ?? k
            context.logger.info("k chosen by silhouette", metadata: ["k": "\(k)"])
        }
        let labels = cut(k)
        return Clusters(
            labels: labels, centroids: Self.centroids(matrix, labels: labels, k: k), k: k, metrics: metrics,
            dendrogram: dendrogram, selection: scores)
    }

    /// Mean of each cluster's rows.
    static func centroids(_ matrix: FeatureMatrix, labels: [Int32], k: Int) -> FeatureMatrix {
        var sums = [Double](repeating: 0, count: k * matrix.columnCount)
        var counts = [Int](repeating: 0, count: k)
        for row in 0..<matrix.rowCount {
            let cluster = Int(labels[row])
            counts[cluster] += 1
            for feature in 0..<matrix.columnCount {
                sums[cluster * matrix.columnCount + feature] += matrix[row, feature]
            }
        }
        for cluster in 0..<k where counts[cluster] > 0 {
            for feature in 0..<matrix.columnCount {
                sums[cluster * matrix.columnCount + feature] /= Double(counts[cluster])
            }
        }
        return FeatureMatrix(rowCount: k, columnCount: matrix.columnCount, values: sums)
    }

    // MARK: - Scoring with an earlier run's model

    /// Every customer assigned to the nearest of the reference run's segment centroids (in the reference's scaled
    /// space, which `scaling` reproduces); clusters are the reference's segments, in its row order.
    /// - Complexity: O(customers · segments · columns).
    private func score(_ matrix: FeatureMatrix, with reference: ScoringReference, scaling: FeatureScaling)
        throws(PipelineError) -> Clusters
    {
        guard let centroids = scaling.scaledCentroids(of: reference.segments), centroids.rowCount > 0 else {
            throw PipelineError(
                .configuration,
                "segment.score_with: run \(reference.runID)'s segments have no centroids for these features; score "
                    + "with a run that used the same features.clustering")
        }
        let k = centroids.rowCount
        var labels = [Int32](repeating: 0, count: matrix.rowCount)
        var inertia = 0.0
        for row in 0..<matrix.rowCount {
            var best = 0
            var bestDistance = Double.infinity
            for cluster in 0..<k {
                var sum = 0.0
                for column in 0..<matrix.columnCount {
                    let delta = matrix[row, column] - centroids[cluster, column]
                    sum += delta * delta
                }
                if sum < bestDistance {
                    bestDistance = sum
                    best = cluster
                }
            }
            labels[row] = Int32(best)
            inertia += bestDistance
        }
        return Clusters(
            labels: labels, centroids: centroids, k: k,
            metrics: [
                "method": .string("scored"), "scored_with": .string(reference.runID), "k": .int(Int64(k)),
                "inertia": .double(inertia),
            ],
            dendrogram: nil)
    }

    // MARK: - Stable ids

    /// Segment id of each cluster, matching the previous run's segments when there is one.
    private func assignIDs(
        clusters: Clusters, byValue: [Int], scaling: FeatureScaling, inputs: StageInputs
    ) -> ([Int], [String: JSONValue]) {
        var segmentOf = [Int](repeating: 0, count: clusters.k)
        guard let previous = inputs.previous["segments"],
            let previousCentroids = scaling.scaledCentroids(of: previous),
            let previousIDs = try? previous.int64s("segment_id")
        else {
            for (position, cluster) in byValue.enumerated() { segmentOf[cluster] = position + 1 }
            let reason = inputs.previous["segments"] == nil ? "no previous run" : "previous run used other features"
            return (segmentOf, ["stable_ids": .string(reason)])
        }
        let match = matchCentroids(previous: previousCentroids, current: clusters.centroids)
        var nextID = Int(previousIDs.max() ?? 0) + 1
        var matched = 0
        for cluster in byValue {
            if match[cluster] >= 0 {
                segmentOf[cluster] = Int(previousIDs[match[cluster]])
                matched += 1
            } else {
                segmentOf[cluster] = nextID
                nextID += 1
            }
        }
        let metrics: [String: JSONValue] = [
            "stable_ids": .string("matched to run \(inputs.previousRunID ?? "?")"),
            "segments_matched": .int(Int64(matched)),
        ]
        return (segmentOf, metrics)
    }

    /// How many customers kept their segment id since the previous run, moved, or are new.
    private static func movement(previous: Table, ids: StringColumn, segmentIDs: [Int64]) throws(PipelineError)
        -> [String: JSONValue]
    {
        let previousIDs = try previous.strings("customer_id")
        let previousSegments = try previous.int64s("segment_id")
        var before: [String: Int64] = [:]
        before.reserveCapacity(previous.rowCount)
        for row in 0..<previous.rowCount { before[previousIDs[row]] = previousSegments[row] }
        var stayed: Int64 = 0
        var moved: Int64 = 0
        var new: Int64 = 0
        for row in 0..<segmentIDs.count {
            switch before[ids[row]] {
            case .none: new += 1
            case .some(let segment) where segment == segmentIDs[row]: stayed += 1
            case .some: moved += 1
            }
        }
        return ["customers_stayed": .int(stayed), "customers_moved": .int(moved), "customers_new": .int(new)]
    }

    // MARK: - Tables

    private func segmentTable(
        features: Table, clusters: Clusters, order: [Int], segmentOf: [Int], labelOf: [String], revenue: [Double],
        sizes: [Int], scaling: FeatureScaling
    ) throws(PipelineError) -> Table {
        let k = order.count
        let total = Double(clusters.labels.count)
        let totalRevenue = revenue.reduce(0, +)
        var columns: [Column] = [
            Column(name: "segment_id", values: .int64(order.map { Int64(segmentOf[$0]) })),
            Column(name: "label", values: .utf8(StringColumn(order.map { labelOf[$0] }))),
            Column(
                name: "method",
                values: .utf8(StringColumn(Array(repeating: context.configuration.segment.method, count: k)))),
            Column(name: "size", values: .int64(order.map { Int64(sizes[$0]) })),
            Column(name: "share", values: .float64(order.map { Double(sizes[$0]) / total })),
            Column(
                name: "revenue_share",
                values: .float64(order.map { totalRevenue > 0 ? revenue[$0] / totalRevenue : 0 })),
        ]
        for name in FeatureCatalog.numericFeatureNames where features[name] != nil {
            let feature = try NumericFeature(features, name)
            let means = feature.clusterMeans(labels: clusters.labels, k: clusters.k)
            var builder = ColumnBuilder(name: "mean_\(name)", type: .float64, capacity: k)
            for cluster in order { builder.append(means[cluster]) }
            columns.append(builder.build())
        }
        // Centroids in transformed, unscaled units: what the next run matches its segments against.
        for (index, name) in scaling.names.enumerated() {
            columns.append(
                Column(
                    name: "centroid_\(name)",
                    values: .float64(order.map { scaling.unscale(clusters.centroids[$0, index], feature: index) })))
        }
        return try makeTable(columns)
    }

    /// One row per segment and numeric feature: segment mean, population mean and standard deviation, z-score.
    private func profileTable(features: Table, clusters: Clusters, order: [Int], segmentOf: [Int]) throws(PipelineError)
        -> Table
    {
        var segment: [Int64] = []
        var featureColumn = StringColumn()
        var mean = ColumnBuilder(name: "mean", type: .float64)
        var populationMean: [Double] = []
        var populationStd: [Double] = []
        var zScore = ColumnBuilder(name: "z_score", type: .float64)
        for name in FeatureCatalog.numericFeatureNames where features[name] != nil {
            let feature = try NumericFeature(features, name)
            let (average, deviation) = feature.populationMoments()
            let means = feature.clusterMeans(labels: clusters.labels, k: clusters.k)
            for cluster in order {
                segment.append(Int64(segmentOf[cluster]))
                featureColumn.append(name)
                mean.append(means[cluster])
                populationMean.append(average)
                populationStd.append(deviation)
                zScore.append(means[cluster].map { deviation > 0 ? ($0 - average) / deviation : 0 })
            }
        }
        return try makeTable([
            Column(name: "segment_id", values: .int64(segment)), Column(name: "feature", values: .utf8(featureColumn)),
            mean.build(), Column(name: "population_mean", values: .float64(populationMean)),
            Column(name: "population_std", values: .float64(populationStd)), zScore.build(),
        ])
    }

    private func kSelectionTable(_ selections: [KScore], chosen: Int) throws(PipelineError) -> Table {
        try makeTable([
            Column(name: "k", values: .int64(selections.map { Int64($0.k) })),
            Column(name: "silhouette", values: .float64(selections.map(\.silhouette))),
            Column(name: "calinski_harabasz", values: .float64(selections.map(\.calinskiHarabasz))),
            Column(name: "davies_bouldin", values: .float64(selections.map(\.daviesBouldin))),
            Column(name: "inertia", values: .float64(selections.map(\.inertia))),
            Column(name: "chosen", values: .bool(selections.map { $0.k == chosen })),
        ])
    }

    /// The dendrogram in SciPy's linkage-matrix layout: one row per merge.
    private func dendrogramTable(_ dendrogram: Dendrogram) throws(PipelineError) -> Table {
        try makeTable([
            Column(name: "first", values: .int64(dendrogram.merges.map { Int64($0.first) })),
            Column(name: "second", values: .int64(dendrogram.merges.map { Int64($0.second) })),
            Column(name: "height", values: .float64(dendrogram.merges.map(\.height))),
            Column(name: "size", values: .float64(dendrogram.merges.map(\.size))),
        ])
    }

    private func makeTable(_ columns: [Column]) throws(PipelineError) -> Table {
        do {
            return try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "segment produced an inconsistent table", underlying: error)
        }
    }
}
