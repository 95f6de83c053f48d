public import Columnar

/// What a `segpipe run` invocation asks for.
public struct RunOptions: Sendable {
    /// Path of the pipeline YAML file.
    public var pipelinePath: String
    /// Folder that relative source paths resolve against.
    public var dataDirectory: String
    /// Connection string for the load target; nil means `DATABASE_URL`, then libpq's own defaults.
    public var databaseURL: String?
    /// Root folder of checkpoints.
    public var checkpointDirectory: String
    /// The run to create or continue; nil picks the latest run with the same `as_of`, or a new one.
    public var runID: String?
    /// Observation date (`yyyy-MM-dd`); nil means the run's recorded date, or today for a new run.
    public var asOf: String?
    /// Rerun only this stage from the checkpoints on disk.
    public var stage: StageName?
    /// Rerun this stage and everything after it.
    public var from: StageName?
    /// Rerun stages even when their checkpoints are valid.
    public var force: Bool
    /// Print the plan instead of running.
    public var dryRun: Bool
    /// The checksum algorithm of the checkpoint files this run writes (files already on disk are verified with the
    /// algorithm their manifest names).
    public var checkpointChecksum: ChecksumAlgorithm = .xxh64
    /// Whether the run was asked to stop (the executable sets it on SIGINT/SIGTERM); polled between stages and
    /// chunks, so the last completed checkpoint survives and the next run resumes after it.
    public var isCancelled: @Sendable () -> Bool

    /// Creates options with the documented defaults.
    public init(
        pipelinePath: String, dataDirectory: String = ".", databaseURL: String? = nil,
        checkpointDirectory: String = "checkpoints", runID: String? = nil, asOf: String? = nil,
        stage: StageName? = nil, from: StageName? = nil, force: Bool = false, dryRun: Bool = false,
        isCancelled: @escaping @Sendable () -> Bool = { false }
    ) {
        self.pipelinePath = pipelinePath
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL
        self.checkpointDirectory = checkpointDirectory
        self.runID = runID
        self.asOf = asOf
        self.stage = stage
        self.from = from
        self.force = force
        self.dryRun = dryRun
        self.isCancelled = isCancelled
    }
}
