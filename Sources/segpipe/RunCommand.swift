public import ArgumentParser
import Columnar
import Foundation
import Segmentation

extension StageName: ExpressibleByArgument {}
extension ChecksumAlgorithm: ExpressibleByArgument {}

/// `segpipe run`: runs the pipeline, skipping stages whose checkpoints are valid.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline (or one stage of it) and load the results.",
        discussion: """
            Stages: extract clean dedupe features segment load. A plain run continues the latest run of the same
            as_of date (resuming after a crash, skipping stages whose checkpoints are valid), otherwise starts a
            new run. --stage reruns one stage of a run from the
            checkpoints on disk; --from reruns a stage and everything after it.
            Exit codes: 0 ok, 1 failed, 2 usage or configuration error, 3 data-quality threshold exceeded,
            75 another run holds the lock (file lock, or the PostgreSQL advisory lock during the load).
            SIGINT or SIGTERM stops the run before the next stage or chunk: the running stage is marked failed, exit
            code 1, and the next plain run resumes there. A second signal ends the process at once.
            """
    )

    @Option(help: "Pipeline definition (YAML).")
    var pipeline: String

    @Option(help: "Folder that relative source paths resolve against.")
    var dataDir: String = "."

    @Option(help: "PostgreSQL URL or conninfo for the load (default: DATABASE_URL, then libpq's PG* variables).")
    var databaseURL: String?

    @Option(help: "Root folder of the checkpoints.")
    var checkpointDir: String = "checkpoints"

    @Option(
        help: """
            Checksum of the checkpoint files written: xxh64 (fast; `xxhsum -H1` prints it) or sha256 (`sha256sum`). \
            Files already written are verified with the algorithm their manifest names.
            """)
    var checkpointChecksum: ChecksumAlgorithm = .xxh64

    @Option(help: "Run to create or continue (default: the latest run of the same as_of, else a new one).")
    var runID: String?

    @Option(help: "Observation date yyyy-MM-dd that recency and tenure are measured to (default: today).")
    var asOf: String?

    @Option(help: "Rerun only this stage of the run, from the upstream checkpoints on disk.")
    var stage: StageName?

    @Option(help: "Rerun this stage and every stage after it.")
    var from: StageName?

    @Flag(help: "Rerun stages even when their checkpoints are valid.")
    var force = false

    @Flag(help: "Print the plan (stages to run or skip, and why) without running.")
    var dryRun = false

    @Option(help: "Also write the run summary as JSON to this file.")
    var summaryFile: String?

    @Option(help: "Write Prometheus metrics of this run to this file (for node_exporter's textfile collector).")
    var metricsFile: String?

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let progress = logging.showsProgress ? TerminalProgress() : nil
        let logger = logging.bootstrap(progress: progress)
        SignalCancellation.install()
        let environment = ProcessInfo.processInfo.environment
        var options = RunOptions(
            pipelinePath: pipeline, dataDirectory: dataDir,
            databaseURL: databaseURL ?? environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 },
            checkpointDirectory: checkpointDir, runID: runID, asOf: asOf, stage: stage, from: from, force: force,
            dryRun: dryRun, isCancelled: SignalCancellation.isCancelled)
        options.checkpointChecksum = checkpointChecksum
        let clock = ContinuousClock()
        let started = clock.now
        let result = Result { () throws(PipelineError) -> RunSummary in
            try PipelineRunner(options: options, logger: logger, progress: progress ?? SilentProgress()).run()
        }
        let summary: RunSummary
        switch result {
        case .success(let value):
            summary = value
        case .failure(let failure):
            recordFailure(failure, seconds: Self.seconds(clock.now - started))
            throw failure
        }
        print(SummaryPrinter.text(summary))
        if let summaryFile {
            try SummaryPrinter.writeJSON(summary, to: summaryFile)
        }
        if let metricsFile {
            let sizes = RunStatus.segmentSizes(checkpointDirectory: checkpointDir, runID: summary.runID)
            try PrometheusMetrics.update(
                path: metricsFile, summary: summary, status: "succeeded", exitCode: 0,
                durationSeconds: Self.seconds(clock.now - started), segmentSizes: sizes)
        }
    }

    /// Writes failure metrics; the run that holds the lock reports for itself, so a locked run writes none.
    private func recordFailure(_ failure: PipelineError, seconds: Double) {
        guard let metricsFile, failure.code != .locked else { return }
        let pipelineName = (try? PipelineConfiguration.load(path: pipeline))?.name ?? pipeline
        let failed = RunSummary(
            runID: runID ?? "", pipeline: pipelineName, asOf: asOf ?? "", checkpointDirectory: checkpointDir, stages: [])
        let status = failure.code == .dataQuality ? "data_quality" : "failed"
        try? PrometheusMetrics.update(
            path: metricsFile, summary: failed, status: status, exitCode: failure.exitCode, durationSeconds: seconds,
            segmentSizes: nil)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
