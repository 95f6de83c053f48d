public import Columnar

/// The `_manifest.json` of one stage checkpoint: what ran, on what inputs, with what result.
///
/// Like dbt's `run_results.json`, every manifest carries the schema version, tool version, run id, timings and
/// status, so a checkpoint folder explains itself.
public struct StageManifest: Sendable, Codable, Hashable {
    /// Version of this manifest layout. 2: files carry `checksum` with its algorithm (XXH64 by default); 1 had
    /// only `sha256`, and is still read.
    public static let currentSchemaVersion = 2

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
    ///
    /// In JSON the checksum is `"checksum": "xxh64:<16 hex>"` (or `"sha256:<64 hex>"`); a SHA-256 is also written
    /// as `"sha256"`, the only field of schema version 1, which is still read.
    public struct File: Sendable, Codable, Hashable {
        /// Logical table name (`customers`, `rejects`, …).
        public var table: String
        /// File name inside the stage folder.
        public var name: String
        /// Number of rows.
        public var rows: Int
        /// File size in bytes.
        public var bytes: Int
        /// Checksum of the file's bytes, with its algorithm.
        public var checksum: Checksum

        /// Creates a file entry.
        public init(table: String, name: String, rows: Int, bytes: Int, checksum: Checksum) {
            self.table = table
            self.name = name
            self.rows = rows
            self.bytes = bytes
            self.checksum = checksum
        }

        enum CodingKeys: String, CodingKey {
            case table, name, rows, bytes, checksum, sha256
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            table = try container.decode(String.self, forKey: .table)
            name = try container.decode(String.self, forKey: .name)
            rows = try container.decode(Int.self, forKey: .rows)
            bytes = try container.decode(Int.self, forKey: .bytes)
            if let text = try container.decodeIfPresent(String.self, forKey: .checksum) {
                guard let checksum = Checksum(text) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .checksum, in: container,
                        debugDescription: "not a checksum (xxh64:<16 hex digits> or sha256:<64 hex digits>): \(text)")
                }
                self.checksum = checksum
            } else {
                let hex = try container.decode(String.self, forKey: .sha256)
                guard let checksum = Checksum(hex), checksum.algorithm == .sha256 else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .sha256, in: container, debugDescription: "not a SHA-256 (64 hex digits): \(hex)")
                }
                self.checksum = checksum
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(table, forKey: .table)
            try container.encode(name, forKey: .name)
            try container.encode(rows, forKey: .rows)
            try container.encode(bytes, forKey: .bytes)
            try container.encode(checksum.description, forKey: .checksum)
            if checksum.algorithm == .sha256 { try container.encode(checksum.hex, forKey: .sha256) }
        }

        /// The checksum as it enters ``StageManifest/outputDigest``: a SHA-256 as bare hex (as schema version 1
        /// wrote it, so digests of existing checkpoints stay the same), any other algorithm as `algorithm:hex`.
        var digestText: String {
            checksum.algorithm == .sha256 ? checksum.hex : checksum.description
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
        let text = files.sorted { $0.table < $1.table }.map { "\($0.table)=\($0.digestText)" }.joined(separator: "\n")
        return Digest.sha256(text)
    }
}

/// The version of segpipe recorded in manifests and the `runs` table.
public enum SegpipeVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}
