import Columnar

extension ReportData {
    /// Reads the report's figures from run `runID` (or the latest run with a completed segment stage).
    static func load(store: CheckpointStore, runID: String?) throws(PipelineError) -> ReportData {
        let runs = store.runs().sorted { ($0.asOf, $0.createdAt, $0.runID) < ($1.asOf, $1.createdAt, $1.runID) }
        let run: RunRecord
        if let runID {
            guard let record = runs.first(where: { $0.runID == runID }) else {
                throw PipelineError(
                    .usage,
                    "no run \"\(runID)\" in \(store.root); "
                        + "`segpipe status --checkpoint-dir \(store.root)` lists the runs")
            }
            run = record
        } else {
            guard let latest = runs.last(where: { Self.completedSegment(store, $0.runID) != nil }) else {
                throw PipelineError(
                    .usage,
                    "no run in \(store.root) has a completed segment stage; "
                        + "run `segpipe run` first or pass --checkpoint-dir")
            }
            run = latest
        }
        guard let manifest = Self.completedSegment(store, run.runID) else {
            throw PipelineError(
                .checkpoint,
                "run \(run.runID) has no completed segment stage; finish it with `segpipe run --run-id \(run.runID)`")
        }

        let segmentsTable = try store.readTable("segments", of: manifest)
        let segments = try readSegments(segmentsTable)
        let customerSegments = try store.readTable("customer_segments", of: manifest)
        let profile = try readProfile(try store.readTable("segment_profiles", of: manifest), segments: segments)
        let (grid, named) = try readRFM(customerSegments)
        var kSelection: KSelection?
        if manifest.file(for: "k_selection") != nil {
            kSelection = try readKSelection(try store.readTable("k_selection", of: manifest))
        }
        var dendrogram: [DendrogramLayout.Merge]?
        if manifest.file(for: "dendrogram") != nil {
            dendrogram = try readDendrogram(try store.readTable("dendrogram", of: manifest))
        }

        // The previous run of the same pipeline, ordered like the planner orders them.
        let earlier = runs.filter {
            $0.pipeline == run.pipeline && $0.runID != run.runID
                && ($0.asOf, $0.createdAt) < (run.asOf, run.createdAt)
        }
        var transitions: Transitions?
        for previous in earlier.reversed() {
            guard let previousManifest = Self.completedSegment(store, previous.runID),
                previousManifest.file(for: "customer_segments") != nil
            else { continue }
            let previousTable = try store.readTable("customer_segments", of: previousManifest)
            transitions = try readTransitions(
                previous: previousTable, current: customerSegments, previousRun: previous)
            break
        }

        var quality: [StageQuality] = []
        for stage in [StageName.extract, .clean, .dedupe] {
            guard let stageManifest = try? store.manifest(run.runID, stage) else { continue }
            quality.append(Self.quality(of: stageManifest))
        }

        return ReportData(
            run: run, segmentManifest: manifest, customerCount: customerSegments.rowCount, segments: segments,
            profile: profile, rfmGrid: grid, rfmSegments: named, kSelection: kSelection, dendrogram: dendrogram,
            transitions: transitions, quality: quality)
    }

    private static func completedSegment(_ store: CheckpointStore, _ runID: String) -> StageManifest? {
        guard let manifest = try? store.manifest(runID, .segment), manifest.status == .completed else { return nil }
        return manifest
    }

    // MARK: - Tables

    private static func readSegments(_ table: Table) throws(PipelineError) -> [Segment] {
        let ids = try table.int64s("segment_id")
        let labels = try table.strings("label")
        let sizes = try table.int64s("size")
        let shares = try table.doubles("share")
        let revenueShares = try table.doubles("revenue_share")
        return (0..<table.rowCount).map {
            Segment(
                id: ids[$0], label: labels[$0], size: Int(sizes[$0]), share: shares[$0],
                revenueShare: revenueShares[$0])
        }
    }

    private static func readProfile(_ table: Table, segments: [Segment]) throws(PipelineError) -> Profile {
        let segmentIDs = try table.int64s("segment_id")
        let features = try table.strings("feature")
        let means = try table.optionalDoubles("mean")
        let populationMeans = try table.doubles("population_mean")
        let zScores = try table.optionalDoubles("z_score")
        var featureNames: [String] = []
        var featureIndex: [String: Int] = [:]
        for row in 0..<table.rowCount where featureIndex[features[row]] == nil {
            featureIndex[features[row]] = featureNames.count
            featureNames.append(features[row])
        }
        var rowOf: [Int64: Int] = [:]
        for (index, segment) in segments.enumerated() { rowOf[segment.id] = index }
        let empty = [Double?](repeating: nil, count: featureNames.count)
        var profile = Profile(
            features: featureNames, zScores: Array(repeating: empty, count: segments.count),
            means: Array(repeating: empty, count: segments.count),
            populationMeans: Array(repeating: 0, count: featureNames.count))
        for row in 0..<table.rowCount {
            guard let segment = rowOf[segmentIDs[row]], let feature = featureIndex[features[row]] else { continue }
            profile.zScores[segment][feature] = zScores[row]
            profile.means[segment][feature] = means[row]
            profile.populationMeans[feature] = populationMeans[row]
        }
        return profile
    }

    private static func readRFM(_ table: Table) throws(PipelineError) -> ([[Int]], [(name: String, count: Int)]) {
        let r = try table.optionalInt64s("r_score")
        let f = try table.optionalInt64s("f_score")
        let names = try table.strings("rfm_segment")
        var grid = Array(repeating: Array(repeating: 0, count: 5), count: 5)
        var counts: [String: Int] = [:]
        for row in 0..<table.rowCount {
            counts[names[row], default: 0] += 1
            guard let recency = r[row], let frequency = f[row], (1...5).contains(recency), (1...5).contains(frequency)
            else { continue }
            grid[Int(recency) - 1][Int(frequency) - 1] += 1
        }
        let known = RFMScoring.segments.map(\.name) + [RFMScoring.noOrdersSegment]
        var named = known.map { (name: $0, count: counts[$0] ?? 0) }
        for (name, count) in counts.sorted(by: { $0.key < $1.key }) where !known.contains(name) {
            named.append((name, count))
        }
        return (grid, named)
    }

    private static func readKSelection(_ table: Table) throws(PipelineError) -> KSelection {
        let k = try table.numbers("k")
        let chosen = try table.bools("chosen")
        return KSelection(
            k: k, silhouette: try table.numbers("silhouette"), inertia: try table.numbers("inertia"),
            chosen: chosen.firstIndex(of: true).map { Int(k[$0]) })
    }

    private static func readDendrogram(_ table: Table) throws(PipelineError) -> [DendrogramLayout.Merge] {
        let first = try table.numbers("first")
        let second = try table.numbers("second")
        let height = try table.numbers("height")
        let size = try table.numbers("size")
        return (0..<table.rowCount).map {
            DendrogramLayout.Merge(first: Int(first[$0]), second: Int(second[$0]), height: height[$0], size: size[$0])
        }
    }

    private static func readTransitions(previous: Table, current: Table, previousRun: RunRecord)
        throws(PipelineError) -> Transitions
    {
        let previousIDs = try previous.strings("customer_id")
        let previousSegments = try previous.int64s("segment_id")
        let previousLabels = try previous.strings("segment_label")
        let currentIDs = try current.strings("customer_id")
        let currentSegments = try current.int64s("segment_id")
        let currentLabels = try current.strings("segment_label")

        func segmentList(_ segments: [Int64], _ labels: StringColumn) -> (ids: [Int64], labels: [String]) {
            var labelOf: [Int64: String] = [:]
            for row in segments.indices where labelOf[segments[row]] == nil { labelOf[segments[row]] = labels[row] }
            let ids = labelOf.keys.sorted()
            return (ids, ids.map { "\($0) · \(labelOf[$0] ?? "")" })
        }
        let from = segmentList(previousSegments, previousLabels)
        let to = segmentList(currentSegments, currentLabels)
        var fromIndex: [Int64: Int] = [:]
        for (index, id) in from.ids.enumerated() { fromIndex[id] = index }
        var toIndex: [Int64: Int] = [:]
        for (index, id) in to.ids.enumerated() { toIndex[id] = index }

        var before: [String: Int] = [:]
        before.reserveCapacity(previous.rowCount)
        for row in 0..<previous.rowCount { before[previousIDs[row]] = fromIndex[previousSegments[row]] }
        let newRow = from.ids.count
        let leftColumn = to.ids.count
        var counts = Array(repeating: Array(repeating: 0, count: to.ids.count + 1), count: from.ids.count + 1)
        var stayed = 0
        var moved = 0
        var new = 0
        for row in 0..<current.rowCount {
            let target = toIndex[currentSegments[row]] ?? leftColumn
            if let source = before.removeValue(forKey: currentIDs[row]) {
                counts[source][target] += 1
                if from.ids[source] == currentSegments[row] { stayed += 1 } else { moved += 1 }
            } else {
                counts[newRow][target] += 1
                new += 1
            }
        }
        // Customers of the previous run that are not in this one.
        for source in before.values { counts[source][leftColumn] += 1 }
        var fromLabels = from.labels + ["new customers"]
        var toLabels = to.labels + ["left"]
        // The "new customers" row and "left" column only when someone is in them.
        if new == 0 {
            counts.removeLast()
            fromLabels.removeLast()
        }
        if before.isEmpty {
            for row in counts.indices { counts[row].removeLast() }
            toLabels.removeLast()
        }
        return Transitions(
            previousRunID: previousRun.runID, previousAsOf: previousRun.asOf, fromLabels: fromLabels,
            toLabels: toLabels, counts: counts, stayed: stayed, moved: moved, new: new, left: before.count)
    }

    // MARK: - Manifests

    private static func quality(of manifest: StageManifest) -> StageQuality {
        var reasons: [(reason: String, count: Int)] = []
        if case .object(let fields) = manifest.metrics["rejects_by_reason"] {
            reasons = fields.compactMap { key, value in value.intValue.map { (key, Int($0)) } }
                .sorted { $0.count != $1.count ? $0.count > $1.count : $0.reason < $1.reason }
        }
        var rates: [(table: String, rate: Double)] = []
        if case .object(let fields) = manifest.metrics["reject_rate"] {
            rates = fields.compactMap { key, value in
                switch value {
                case .double(let rate): (key, rate)
                case .int(let rate): (key, Double(rate))
                default: nil
                }
            }.sorted { $0.table < $1.table }
        }
        func integer(_ key: String) -> Int? { manifest.metrics[key]?.intValue.map { Int($0) } }
        return StageQuality(
            stage: manifest.stage, status: manifest.status.rawValue, rejectsByReason: reasons, rejectRates: rates,
            rowsRejected: integer("rows_rejected"), duplicatesMerged: integer("duplicates_merged"),
            customersIn: integer("customers_in"), customersOut: integer("customers_out"))
    }
}
