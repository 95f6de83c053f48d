/// What a run did, stage by stage; printed by the CLI and written as JSON at the end of a run.
public struct RunSummary: Sendable, Codable {
    /// What happened to one stage.
    public struct StageReport: Sendable, Codable {
        /// The stage.
        public var stage: StageName
        /// `ran`, `skipped` or `would run` / `would skip` on a dry run.
        public var action: String
        /// Why it ran or was skipped.
        public var reason: String
        /// Outcome status of the stage's manifest after this invocation, if it has one.
        public var status: String?
        /// Seconds the stage took, when it ran.
        public var durationSeconds: Double?
        /// Rows per output table.
        public var rows: [String: Int]

        enum CodingKeys: String, CodingKey {
            case stage, action, reason, status
            case durationSeconds = "duration_seconds"
            case rows
        }
    }

    public var runID: String
    public var pipeline: String
    public var asOf: String
    public var checkpointDirectory: String
    public var stages: [StageReport]

    /// Creates a summary.
    public init(runID: String, pipeline: String, asOf: String, checkpointDirectory: String, stages: [StageReport]) {
        self.runID = runID
        self.pipeline = pipeline
        self.asOf = asOf
        self.checkpointDirectory = checkpointDirectory
        self.stages = stages
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case pipeline
        case asOf = "as_of"
        case checkpointDirectory = "checkpoint_directory"
        case stages
    }
}
