/// The `_manifest.json` of one stage checkpoint: what ran, on what inputs, with what result.
///
/// Like dbt's `run_results.json`, every manifest carries the schema version, tool version, run id, timings and
/// status, so a checkpoint folder explains itself.
public struct StageManifest: Sendable, Codable, Hashable {
    /// Version of this manifest layout.
    public static let currentSchemaVersion = 1

    /// Outcome of a stage.
    public enum Status: String, Sendable, Codable, Hashable {
        /// The stage is running or was killed while running: its files are not to be trusted.
        case running
        /// The stage finished and its files are complete.
        case completed
        /// The stage failed; `error` says why.
        case failed
    }

    /// One table file in the checkpoint folder.
    public struct File: Sendable, Codable, Hashable {
        /// Logical table name (`customers`, `rejects`, …).
        public var table: String
        /// File name inside the stage folder.
        public var name: String
        /// Number of rows.
        public var rows: Int
        /// File size in bytes.
        public var bytes: Int
        /// Hex SHA-256 of the file's bytes.
        public var sha256: String

        /// Creates a file entry.
        public init(table: String, name: String, rows: Int, bytes: Int, sha256: String) {
            self.table = table
            self.name = name
            self.rows = rows
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    public var schemaVersion: Int
    public var toolVersion: String
    public var stage: StageName
    public var runID: String
    public var status: Status
    /// Observation date the run measures to (`yyyy-MM-dd`).
    public var asOf: String
    public var startedAt: String
    public var finishedAt: String?
    public var durationSeconds: Double?
    /// Digest of the stage's configuration section (secrets are never part of it).
    public var configDigest: String
    /// Digest of the inputs: upstream file checksums, or source file identities for extract.
    public var inputDigest: String
    /// Per upstream stage, the digest of its files as read.
    public var inputs: [String: String]
    public var files: [File]
    /// Stage metrics: rows in and out, rejects by reason, duplicates merged, k and more.
    public var metrics: [String: JSONValue]
    /// Why the stage failed, when it did.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case toolVersion = "tool_version"
        case stage
        case runID = "run_id"
        case status
        case asOf = "as_of"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationSeconds = "duration_seconds"
        case configDigest = "config_digest"
        case inputDigest = "input_digest"
        case inputs, files, metrics, error
    }

    /// Creates a manifest for a stage that is starting.
    public init(
        stage: StageName, runID: String, asOf: String, startedAt: String, configDigest: String, inputDigest: String,
        inputs: [String: String]
    ) {
        self.schemaVersion = Self.currentSchemaVersion
        self.toolVersion = SegpipeVersion.current
        self.stage = stage
        self.runID = runID
        self.status = .running
        self.asOf = asOf
        self.startedAt = startedAt
        self.finishedAt = nil
        self.durationSeconds = nil
        self.configDigest = configDigest
        self.inputDigest = inputDigest
        self.inputs = inputs
        self.files = []
        self.metrics = [:]
        self.error = nil
    }

    /// The file entry of `table`, if the stage wrote one.
    public func file(for table: String) -> File? { files.first { $0.table == table } }

    /// A digest over this stage's output files, used as the input digest of downstream stages.
    public var outputDigest: String {
        let text = files.sorted { $0.table < $1.table }.map { "\($0.table)=\($0.sha256)" }.joined(separator: "\n")
        return Digest.sha256(text)
    }
}

/// The version of segpipe recorded in manifests and the `runs` table.
public enum SegpipeVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
