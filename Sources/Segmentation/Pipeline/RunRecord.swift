/// The `_run.json` at the top of a run's checkpoint folder: which pipeline, which observation date.
public struct RunRecord: Sendable, Codable, Hashable {
    public var runID: String
    public var pipeline: String
    /// Observation date (`yyyy-MM-dd`) that recency and tenure are measured to.
    public var asOf: String
    public var createdAt: String
    public var toolVersion: String

    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case pipeline
        case asOf = "as_of"
        case createdAt = "created_at"
        case toolVersion = "tool_version"
    }

    /// Creates a run record.
    public init(runID: String, pipeline: String, asOf: String, createdAt: String) {
        self.runID = runID
        self.pipeline = pipeline
        self.asOf = asOf
        self.createdAt = createdAt
        self.toolVersion = SegpipeVersion.current
    }
}
