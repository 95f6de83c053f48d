import Foundation

/// Decides which stages of a run must run, from the checkpoints on disk and the current configuration.
struct Planner {
    /// Whether a stage runs, and why.
    struct Decision {
        var shouldRun: Bool
        var isValid: Bool
        var reason: String
        var existing: StageManifest?
    }

    let configuration: PipelineConfiguration
    let store: CheckpointStore
    let options: RunOptions

    /// The decision for `stage` in run `runID`.
    func decide(_ stage: StageName, runID: String, asOf: Int32) throws(PipelineError) -> Decision {
        let existing = try store.manifest(runID, stage)
        let (isValid, why) = try validity(stage, runID: runID, asOf: asOf, manifest: existing)
        if let only = options.stage {
            if stage == only {
                return Decision(shouldRun: true, isValid: isValid, reason: "--stage \(only)", existing: existing)
            }
            return Decision(
                shouldRun: false, isValid: isValid, reason: "not selected (--stage \(only))", existing: existing)
        }
        if let from = options.from, stage >= from {
            return Decision(shouldRun: true, isValid: isValid, reason: "--from \(from)", existing: existing)
        }
        if options.force { return Decision(shouldRun: true, isValid: isValid, reason: "--force", existing: existing) }
        return Decision(
            shouldRun: !isValid, isValid: isValid, reason: isValid ? "checkpoint is valid" : why, existing: existing)
    }

    /// Whether a stage's checkpoint is valid for the current configuration and inputs, and if not, why.
    func validity(_ stage: StageName, runID: String, asOf: Int32, manifest: StageManifest?) throws(PipelineError) -> (
        Bool, String
    ) {
        guard let manifest else { return (false, "no checkpoint yet") }
        switch manifest.status {
        case .running: return (false, "the previous attempt did not finish")
        case .failed: return (false, "the previous attempt failed")
        case .completed: break
        }
        guard manifest.configDigest == configDigest(stage, asOf: asOf) else {
            return (false, "its configuration changed")
        }
        var digests = try sourceDigests(stage, runID: runID)
        for upstream in inputs(of: stage) {
            guard let upstreamManifest = try store.manifest(runID, upstream), upstreamManifest.status == .completed
            else {
                return (false, "the \(upstream) checkpoint is missing or incomplete")
            }
            digests[upstream.rawValue] = upstreamManifest.outputDigest
        }
        guard manifest.inputDigest == Self.inputDigest(digests) else {
            return (false, "its inputs changed")
        }
        let directory = store.stageDirectory(runID, stage)
        for file in manifest.files {
            let path = "\(directory)/\(file.name)"
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            guard size == file.bytes else { return (false, "checkpoint file \(file.name) is missing or damaged") }
        }
        return (true, "checkpoint is valid")
    }

    /// Digest of the configuration that determines a stage's output; secrets never enter it.
    func configDigest(_ stage: StageName, asOf: Int32) -> String {
        let asOfText = CalendarDate.isoString(asOf)
        switch stage {
        case .extract:
            let base = URL(fileURLWithPath: options.dataDirectory).standardizedFileURL.path
            return Digest.sha256(json: ExtractDigestInput(sources: configuration.sources, dataDirectory: base))
        case .clean:
            return Digest.sha256(json: [Digest.sha256(json: configuration.clean), asOfText])
        case .dedupe:
            return Digest.sha256(json: configuration.dedupe)
        case .features:
            return Digest.sha256(json: [Digest.sha256(json: configuration.features), asOfText])
        case .segment:
            return Digest.sha256(json: [
                Digest.sha256(json: configuration.features), Digest.sha256(json: configuration.segment),
            ])
        case .load:
            return Digest.sha256(json: [Digest.sha256(json: configuration.load), configuration.name])
        }
    }

    /// For extract, one digest per source file over its resolved path, size and modification time, so a new
    /// export is read again while an unchanged one is not; for other stages, nothing.
    func sourceDigests(_ stage: StageName, runID: String) throws(PipelineError) -> [String: String] {
        if stage == .segment {
            guard let previous = try previousSegment(before: runID) else { return [:] }
            return ["previous.segment": previous.outputDigest]
        }
        guard stage == .extract else { return [:] }
        var digests: [String: String] = [:]
        let sources: [(String, PipelineConfiguration.Source?)] = [
            ("customers", configuration.sources.customers), ("orders", configuration.sources.orders),
            ("email_events", configuration.sources.emailEvents),
        ]
        let schemas = [
            "customers": CanonicalSchema.customers, "orders": CanonicalSchema.orders,
            "email_events": CanonicalSchema.emailEvents,
        ]
        for (name, source) in sources {
            guard let source, let schema = schemas[name] else { continue }
            if source.isDatabase {
                // A database extract is a snapshot of the run: rerun it with --from extract to refresh it.
                digests["source.\(name)"] = Digest.sha256(ExtractStage.query(for: source, schema: schema))
                continue
            }
            let files = ExtractStage.expand(source.path ?? "", dataDirectory: options.dataDirectory)
            var identity = files.isEmpty ? "no files" : ""
            for file in files {
                let attributes = try? FileManager.default.attributesOfItem(atPath: file.absolute)
                let size = (attributes?[.size] as? Int).map(String.init) ?? "missing"
                let modified = (attributes?[.modificationDate] as? Date).map { String($0.timeIntervalSince1970) } ?? "-"
                identity += "\(file.absolute)\n\(size)\n\(modified)\n"
            }
            digests["source.\(name)"] = Digest.sha256(identity)
        }
        return digests
    }

    /// The completed segment checkpoint of the latest earlier run of this pipeline (by `as_of`, then creation),
    /// whose segments the current run's segment ids follow; nil without one or with `stable_ids: false`.
    func previousSegment(before runID: String) throws(PipelineError) -> StageManifest? {
        guard configuration.segment.stableIDs else { return nil }
        return latestEarlierSegment(before: runID)
    }

    /// The segment checkpoint whose model `segment.score_with` names: the latest earlier run's for `previous`
    /// (nil when there is none: the run then fits its own model), else the named run's, which must exist.
    func scoringReference(before runID: String) throws(PipelineError) -> StageManifest? {
        guard let reference = configuration.segment.scoreWith else { return nil }
        if reference == "previous" { return latestEarlierSegment(before: runID) }
        guard let manifest = try? store.manifest(reference, .segment), manifest.status == .completed else {
            throw PipelineError(
                .configuration,
                "segment.score_with: run \(reference) has no completed segment checkpoint in \(store.root); "
                    + "name a run that `segpipe status` lists, or use previous")
        }
        return manifest
    }

    /// The completed segment checkpoint of the latest run of this pipeline before `runID` (by `as_of`, then
    /// creation).
    private func latestEarlierSegment(before runID: String) -> StageManifest? {
        let runs = store.runs().filter { $0.pipeline == configuration.name }
        guard let current = runs.first(where: { $0.runID == runID }) else { return nil }
        let earlier = runs.filter { ($0.asOf, $0.createdAt) < (current.asOf, current.createdAt) && $0.runID != runID }
            .sorted { ($0.asOf, $0.createdAt) < ($1.asOf, $1.createdAt) }
        for run in earlier.reversed() {
            if let manifest = try? store.manifest(run.runID, .segment), manifest.status == .completed {
                return manifest
            }
        }
        return nil
    }

    /// Digest over the upstream output digests of a stage.
    static func inputDigest(_ digests: [String: String]) -> String {
        Digest.sha256(digests.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n"))
    }

    /// The stages whose checkpoints `stage` reads: ``StageName/inputs``, and clean for features when dedupe does not
    /// write the orders and events (`dedupe.write_orders_and_events: false`).
    func inputs(of stage: StageName) -> [StageName] {
        stage == .features && !configuration.dedupe.writeOrdersAndEvents ? [.clean, .dedupe] : stage.inputs
    }

    /// The tables `stage` reads from `upstream`.
    func tablesRead(by stage: StageName, from upstream: StageName) -> Set<String> {
        switch (stage, upstream) {
        case (.load, .extract), (.load, .clean): ["rejects"]
        case (.load, .dedupe):
            configuration.load.pseudonymizeContacts ? ["customer_id_map", "customers"] : ["customer_id_map"]
        case (.load, .features): ["customer_features"]
        case (.dedupe, .clean) where !configuration.dedupe.writeOrdersAndEvents: ["customers"]
        case (.features, .clean): ["customers", "orders", "email_events"]
        case (.features, .dedupe):
            // The id map only for pushdown, where the orders source's server groups by source id; the merged rows of
            // clean's customers only when dedupe does not write the orders and events.
            Set(
                ["customers", "orders", "email_events", "merged_rows"]
                    + (configuration.features.pushdown && configuration.sources.orders.isDatabase
                        ? ["customer_id_map"] : []))
        case (.load, .segment):
            ["customer_segments", "segments", "segment_profiles", "k_selection", "segment_attribute_shares"]
        default:
            [
                "customers", "orders", "email_events", "rejects", "customer_features", "customer_id_map",
                "customer_segments", "segments",
            ]
        }
    }

    /// The columns `stage` reads of `table` from `upstream`, or nil for all of them.
    ///
    /// The features stage reads only what it aggregates of the two largest tables (tens of millions of rows),
    /// not the order ids, currencies, quantities, campaigns or source lines it never uses, and of the merged
    /// customers only the id, the dates and the attributes it copies (not the names, emails and phones).
    static func columnsRead(by stage: StageName, of table: String, from upstream: StageName) -> Set<String>? {
        switch (stage, upstream, table) {
        case (.features, .dedupe, "customers"): FeaturesStage.customerColumns
        case (.features, .clean, "customers"): ["customer_id"]
        case (.features, .dedupe, "orders"), (.features, .clean, "orders"):
            ["customer_id", "order_date", "amount", "status", "category"]
        case (.features, .dedupe, "email_events"), (.features, .clean, "email_events"):
            ["customer_id", "event_type", "event_time"]
        default: nil
        }
    }

    /// Whether `stage` streams `table` of `upstream` through a slice of record batches at a time
    /// (``StageInputs/batches(_:of:)``) instead of reading it whole: the orders and email events that clean
    /// filters, dedupe remaps and features aggregates (dedupe's, or clean's when dedupe does not write them), row by
    /// row. The runner then hands the stage the open, checksummed file.
    static func streams(_ stage: StageName, _ table: String, from upstream: StageName) -> Bool {
        switch (stage, upstream, table) {
        case (.clean, .extract, "orders"), (.clean, .extract, "email_events"), (.dedupe, .clean, "orders"),
            (.dedupe, .clean, "email_events"), (.features, .dedupe, "orders"), (.features, .dedupe, "email_events"),
            (.features, .clean, "orders"), (.features, .clean, "email_events"):
            true
        default: false
        }
    }

    private struct ExtractDigestInput: Encodable {
        let sources: PipelineConfiguration.Sources
        let dataDirectory: String
    }
}
