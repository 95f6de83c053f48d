import Columnar
import Foundation
public import Logging

/// Runs a pipeline's stages in order, skipping those whose checkpoints are valid, like make.
///
/// A stage's checkpoint is valid when its manifest says `completed`, its configuration digest matches the
/// current configuration section, and its input digest matches the current outputs of its upstream stages.
/// Rerunning a stage therefore invalidates everything downstream whose inputs changed.
public struct PipelineRunner {
    /// What the invocation asks for.
    public let options: RunOptions
    /// Where the runner logs.
    public let logger: Logger
    /// Where the runner reports stage starts, ends and rows (a terminal's progress line); separate from logs.
    public let progress: any ProgressReporter

    /// Creates a runner.
    public init(options: RunOptions, logger: Logger, progress: any ProgressReporter = SilentProgress()) {
        self.options = options
        self.logger = logger
        self.progress = progress
    }

    /// Runs (or, with `dryRun`, plans) the pipeline and returns what happened.
    ///
    /// When ``RunOptions/isCancelled`` turns true, the run stops before the next stage or chunk with a
    /// ``PipelineError/Code/cancelled`` error; the running stage is marked `failed` and completed checkpoints stay.
    public func run() throws(PipelineError) -> RunSummary {
        let clock = ContinuousClock()
        let runStarted = clock.now
        let configuration = try PipelineConfiguration.load(path: options.pipelinePath)
        let store = CheckpointStore(root: options.checkpointDirectory, checksum: options.checkpointChecksum)
        do {
            try FileManager.default.createDirectory(atPath: store.root, withIntermediateDirectories: true)
        } catch {
            throw PipelineError(.io, "cannot create checkpoint folder \(store.root)", underlying: error)
        }
        let lockPath = "\(store.root)/.\(configuration.name).lock"
        guard let lock = try FileLock(path: lockPath) else {
            throw PipelineError(
                .locked, "another segpipe run of pipeline \"\(configuration.name)\" holds the lock \(lockPath)")
        }
        defer { withExtendedLifetime(lock) {} }

        if options.stage != nil, options.from != nil {
            throw PipelineError(.usage, "--stage and --from cannot be combined")
        }
        let requestedAsOf = try options.asOf.map { text throws(PipelineError) -> Int32 in
            guard let days = CalendarDate.parseISO(text) else {
                throw PipelineError(.usage, "--as-of \"\(text)\" is not a date (expected yyyy-MM-dd)")
            }
            return days
        }
        let planner = Planner(configuration: configuration, store: store, options: options)
        let record = try chooseRun(
            configuration: configuration, store: store, planner: planner, requestedAsOf: requestedAsOf)
        guard let asOf = CalendarDate.parseISO(record.asOf) else {
            throw PipelineError(.checkpoint, "run \(record.runID) records an invalid as_of \"\(record.asOf)\"")
        }
        var runLogger = logger
        runLogger[metadataKey: "run.id"] = "\(record.runID)"
        runLogger[metadataKey: "pipeline"] = "\(configuration.name)"
        let context = StageContext(
            configuration: configuration, runID: record.runID, asOf: asOf,
            dataDirectory: options.dataDirectory, databaseURL: options.databaseURL, logger: runLogger,
            isCancelled: options.isCancelled, progress: progress)

        var reports: [RunSummary.StageReport] = []
        if !options.dryRun { try store.writeRunRecord(record) }
        runLogger.info("run started", metadata: ["as_of": "\(record.asOf)", "dry_run": "\(options.dryRun)"])
        for stage in StageName.allCases {
            let decision = try planner.decide(stage, runID: record.runID, asOf: asOf)
            if options.dryRun {
                reports.append(
                    .init(
                        stage: stage, action: decision.shouldRun ? "would run" : "would skip", reason: decision.reason,
                        status: decision.existing?.status.rawValue, durationSeconds: nil, rows: [:]))
                continue
            }
            guard decision.shouldRun else {
                if let existing = decision.existing, decision.isValid {
                    runLogger.info("stage skipped", metadata: ["stage": "\(stage)", "reason": "\(decision.reason)"])
                    reports.append(
                        .init(
                            stage: stage, action: "skipped", reason: decision.reason, status: existing.status.rawValue,
                            durationSeconds: nil, rows: Self.rowCounts(existing), metrics: existing.metrics))
                } else {
                    reports.append(
                        .init(
                            stage: stage, action: "skipped", reason: decision.reason,
                            status: decision.existing?.status.rawValue, durationSeconds: nil, rows: [:]))
                }
                continue
            }
            if context.isCancelled() {
                runLogger.warning("run cancelled before a stage", metadata: ["stage": "\(stage)"])
                try context.checkCancellation()
            }
            let manifest = try execute(stage, context: context, store: store, planner: planner)
            reports.append(
                .init(
                    stage: stage, action: "ran", reason: decision.reason, status: manifest.status.rawValue,
                    durationSeconds: manifest.durationSeconds, rows: Self.rowCounts(manifest),
                    metrics: manifest.metrics))
        }
        runLogger.info("run finished")
        return RunSummary(
            runID: record.runID, pipeline: configuration.name, asOf: record.asOf,
            checkpointDirectory: store.runDirectory(record.runID), stages: reports,
            durationSeconds: seconds(clock.now - runStarted), peakMemoryBytes: RunSummary.peakMemoryBytes())
    }

    /// Rows per output table of a stage; for load, the rows loaded per database table.
    static func rowCounts(_ manifest: StageManifest) -> [String: Int] {
        if case .object(let loaded)? = manifest.metrics["rows_loaded"] {
            return loaded.compactMapValues { value in
                if case .int(let count) = value { return Int(count) }
                return nil
            }
        }
        return Dictionary(manifest.files.map { ($0.table, $0.rows) }) { $1 }
    }

    // MARK: - Choosing the run

    private func chooseRun(
        configuration: PipelineConfiguration, store: CheckpointStore, planner: Planner, requestedAsOf: Int32?
    ) throws(PipelineError) -> RunRecord {
        let rerunsOneStage = options.stage != nil || options.from != nil
        let pipelineRuns = store.runs().filter { $0.pipeline == configuration.name }
        if let runID = options.runID {
            guard Self.isValidRunID(runID) else {
                throw PipelineError(.usage, "--run-id \"\(runID)\" may only contain letters, digits, '-', '_' and '.'")
            }
            if let existing = pipelineRuns.first(where: { $0.runID == runID }) {
                if let requestedAsOf, CalendarDate.parseISO(existing.asOf) != requestedAsOf {
                    throw PipelineError(
                        .usage, "run \(runID) was made for as_of \(existing.asOf); use a new --run-id for another date")
                }
                return existing
            }
            if FileManager.default.fileExists(atPath: store.runDirectory(runID)) {
                throw PipelineError(
                    .usage,
                    "checkpoint folder \(store.runDirectory(runID)) exists but is not a run of pipeline \"\(configuration.name)\""
                )
            }
            if rerunsOneStage {
                throw PipelineError(
                    .usage, "there is no run \(runID) to rerun a stage of; run the whole pipeline first")
            }
            return newRecord(runID: runID, configuration: configuration, asOf: requestedAsOf)
        }
        if rerunsOneStage {
            guard let latest = pipelineRuns.last else {
                throw PipelineError(
                    .usage,
                    "there is no run of pipeline \"\(configuration.name)\" in \(store.root) yet; run the whole pipeline first"
                )
            }
            if let requestedAsOf, CalendarDate.parseISO(latest.asOf) != requestedAsOf {
                throw PipelineError(
                    .usage, "the latest run \(latest.runID) was made for as_of \(latest.asOf); name a run with --run-id"
                )
            }
            return latest
        }
        let asOf = requestedAsOf ?? CalendarDate.today()
        if let latest = pipelineRuns.last(where: { CalendarDate.parseISO($0.asOf) == asOf }) {
            logger.info("continuing the run of the same as_of", metadata: ["run.id": "\(latest.runID)"])
            return latest
        }
        var runID = Self.runID(for: Date())
        var suffix = 1
        while FileManager.default.fileExists(atPath: store.runDirectory(runID)) {
            suffix += 1
            runID = "\(Self.runID(for: Date()))-\(suffix)"
        }
        return newRecord(runID: runID, configuration: configuration, asOf: asOf)
    }

    private func newRecord(runID: String, configuration: PipelineConfiguration, asOf: Int32?) -> RunRecord {
        RunRecord(
            runID: runID, pipeline: configuration.name, asOf: CalendarDate.isoString(asOf ?? CalendarDate.today()),
            createdAt: CalendarDate.timestampString())
    }

    /// A run id from the start time: `20261123T021500Z`.
    static func runID(for date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970)
        let days = Int32((Double(seconds) / 86_400).rounded(.down))
        let (year, month, day) = CalendarDate.civil(days)
        let inDay = Int(seconds - Int64(days) * 86_400)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", year, month, day, inDay / 3600, inDay / 60 % 60, inDay % 60)
    }

    /// Whether `runID` is safe as a folder name and a database value.
    static func isValidRunID(_ runID: String) -> Bool {
        !runID.isEmpty && runID.utf8.count <= 64 && runID.first != "."
            && runID.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))
            }
    }

    // MARK: - Executing a stage

    private func execute(_ stage: StageName, context: StageContext, store: CheckpointStore, planner: Planner)
        throws(PipelineError) -> StageManifest
    {
        var stageLogger = context.logger
        stageLogger[metadataKey: "stage"] = "\(stage)"
        var stageContext = context
        stageContext.logger = stageLogger
        stageContext.checkpointOutput = CheckpointOutput(store: store, runID: context.runID, stage: stage)
        let clock = ContinuousClock()
        let started = clock.now
        progress.stageStarted(
            stage, position: (StageName.allCases.firstIndex(of: stage) ?? 0) + 1, count: StageName.allCases.count)
        defer { progress.stageFinished(stage) }

        var inputs = StageInputs()
        var inputDigests = try planner.sourceDigests(stage, runID: context.runID)
        if stage == .segment, let previous = try planner.previousSegment(before: context.runID) {
            for table in ["segments", "customer_segments"] where previous.file(for: table) != nil {
                inputs.setPrevious(try store.readTable(table, of: previous), named: table)
            }
            inputs.previousRunID = previous.runID
        }
        if stage == .segment, let reference = try planner.scoringReference(before: context.runID) {
            inputs.scoringReference = ScoringReference(
                runID: reference.runID, scaling: reference.metrics["scaling"] ?? .null,
                segments: try store.readTable("segments", of: reference))
            inputDigests["reference.segment"] = reference.outputDigest
        }
        var upstreamManifests: [StageName: StageManifest] = [:]
        var reads: [(table: String, upstream: StageName, manifest: StageManifest)] = []
        for upstream in planner.inputs(of: stage) {
            guard let manifest = try store.manifest(context.runID, upstream), manifest.status == .completed else {
                throw PipelineError(
                    .checkpoint,
                    "stage \(stage) needs the \(upstream) checkpoint of run \(context.runID), which is missing or incomplete; "
                        + "rerun with --from \(upstream)")
            }
            upstreamManifests[upstream] = manifest
            inputDigests[upstream.rawValue] = manifest.outputDigest
            for file in manifest.files where planner.tablesRead(by: stage, from: upstream).contains(file.table) {
                reads.append((file.table, upstream, manifest))
            }
        }
        // The input tables are independent files: read (and checksum) them on both cores. Tables the stage streams
        // through are only opened and checksummed here.
        let tables = try concurrentMap(reads) { read throws(PipelineError) -> InputRead in
            let columns = Planner.columnsRead(by: stage, of: read.table, from: read.upstream)
            if Planner.streams(stage, read.table, from: read.upstream) {
                return .streamed(
                    InputBatches(try store.openTable(read.table, of: read.manifest), columns: columns, of: read.manifest))
            }
            return .whole(try store.readTable(read.table, of: read.manifest, columns: columns))
        }
        for (read, table) in zip(reads, tables) {
            switch table {
            case .whole(let table): inputs.set(table, named: read.table, of: read.upstream)
            case .streamed(let batches): inputs.set(batches, named: read.table, of: read.upstream)
            }
        }

        try store.clearStage(context.runID, stage)
        var manifest = StageManifest(
            stage: stage, runID: context.runID, asOf: CalendarDate.isoString(context.asOf),
            startedAt: CalendarDate.timestampString(), configDigest: planner.configDigest(stage, asOf: context.asOf),
            inputDigest: Planner.inputDigest(inputDigests), inputs: inputDigests)
        try store.writeManifest(manifest)
        stageLogger.info("stage started")
        FaultInjection.pauseIfRequested(at: "stage:\(stage)", logger: stageLogger, isCancelled: context.isCancelled)

        let output: StageOutput
        do {
            try context.checkCancellation()
            output = try runStage(stage, context: stageContext, inputs: inputs, manifests: upstreamManifests)
            try context.checkCancellation()
        } catch {
            manifest.status = .failed
            manifest.error = error.description
            manifest.finishedAt = CalendarDate.timestampString()
            manifest.durationSeconds = seconds(clock.now - started)
            try? store.writeManifest(manifest)
            stageLogger.error("stage failed", metadata: ["error": "\(error)"])
            throw error
        }
        let runID = context.runID
        // The tables are written side by side; one that holds most of the cells is mostly written alone, so it
        // fills its file on two threads.
        let cells = output.tables.map { $0.table.rowCount * $0.table.columns.count }
        let largest = cells.indices.max { cells[$0] < cells[$1] }
        let alone = largest.map { cells[$0] >= 4 * (cells.reduce(0, +) - cells[$0]) } ?? false
        let writes = output.tables.enumerated().map { ($1.name, $1.table, alone && $0 == largest) }
        manifest.files =
            output.files
            + (try concurrentMap(writes) { item throws(PipelineError) in
                try store.writeTable(item.1, named: item.0, runID: runID, stage: stage, fillsInParallel: item.2)
            })
        manifest.metrics = output.metrics
        manifest.finishedAt = CalendarDate.timestampString()
        manifest.durationSeconds = seconds(clock.now - started)
        if let failure = output.qualityFailure {
            manifest.status = .failed
            manifest.error = failure
            try store.writeManifest(manifest)
            stageLogger.error("data-quality threshold exceeded", metadata: ["error": "\(failure)"])
            throw PipelineError(
                .dataQuality, "stage \(stage) of run \(context.runID): \(failure); nothing was published")
        }
        manifest.status = .completed
        try store.writeManifest(manifest)
        store.recordWritten(manifest)
        var rowMetadata: Logger.Metadata = ["duration_s": "\(manifest.durationSeconds ?? 0)"]
        for file in manifest.files { rowMetadata["rows.\(file.table)"] = "\(file.rows)" }
        stageLogger.info("stage completed", metadata: rowMetadata)
        return manifest
    }

    private func runStage(
        _ stage: StageName, context: StageContext, inputs: StageInputs, manifests: [StageName: StageManifest]
    ) throws(PipelineError) -> StageOutput {
        switch stage {
        case .extract: try ExtractStage(context: context).run()
        case .clean: try CleanStage(context: context).run(inputs)
        case .dedupe: try DedupeStage(context: context).run(inputs)
        case .features: try FeaturesStage(context: context).run(inputs)
        case .segment: try SegmentStage(context: context).run(inputs)
        case .load: try LoadStage(context: context).run(inputs, manifests: manifests)
        }
    }

    private func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// An input table as the runner hands it to a stage: read whole, or opened for streaming.
private enum InputRead: Sendable {
    case whole(Table)
    case streamed(InputBatches)
}
