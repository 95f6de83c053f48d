import Foundation

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
        /// The stage's metrics from its manifest: rejects by reason, duplicates merged, k, inertia, …
        public var metrics: [String: JSONValue] = [:]

        enum CodingKeys: String, CodingKey {
            case stage, action, reason, status
            case durationSeconds = "duration_seconds"
            case rows, metrics
        }
    }

    public var runID: String
    public var pipeline: String
    public var asOf: String
    public var checkpointDirectory: String
    public var stages: [StageReport]
    /// Seconds the whole invocation took, planning and skipped stages included.
    public var durationSeconds: Double?
    /// The process's peak resident memory in bytes (`getrusage`'s `ru_maxrss`).
    public var peakMemoryBytes: Int?

    /// Creates a summary.
    public init(
        runID: String, pipeline: String, asOf: String, checkpointDirectory: String, stages: [StageReport],
        durationSeconds: Double? = nil, peakMemoryBytes: Int? = nil
    ) {
        self.runID = runID
        self.pipeline = pipeline
        self.asOf = asOf
        self.checkpointDirectory = checkpointDirectory
        self.stages = stages
        self.durationSeconds = durationSeconds
        self.peakMemoryBytes = peakMemoryBytes
    }

    /// The peak resident memory of this process so far, in bytes, or nil when the system does not say.
    public static func peakMemoryBytes() -> Int? {
        var usage = rusage()
        #if canImport(Darwin)
            guard getrusage(RUSAGE_SELF, &usage) == 0 else { return nil }
            return Int(usage.ru_maxrss)
        #else
            guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return nil }
            return Int(usage.ru_maxrss) * 1024  // Linux reports KiB.
        #endif
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case pipeline
        case asOf = "as_of"
        case checkpointDirectory = "checkpoint_directory"
        case stages
        case durationSeconds = "duration_seconds"
        case peakMemoryBytes = "peak_memory_bytes"
    }
}
