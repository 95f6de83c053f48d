import Foundation

/// The state of the runs in a checkpoint folder, for `segpipe status`.
public enum RunStatus {
    /// One run and its stages.
    public struct Entry: Sendable, Codable {
        public var run: RunRecord
        public var stages: [StageEntry]
    }

    /// One stage's state.
    public struct StageEntry: Sendable, Codable {
        public var stage: StageName
        /// `completed`, `running`, `failed` or `missing`.
        public var status: String
        public var rows: [String: Int]
        public var durationSeconds: Double?
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case stage, status, rows
            case durationSeconds = "duration_seconds"
            case error
        }
    }

    /// Reads the runs (or one run) from the checkpoint folder.
    public static func collect(checkpointDirectory: String, runID: String?) throws(PipelineError) -> [Entry] {
        let store = CheckpointStore(root: checkpointDirectory)
        var runs = store.runs()
        if let runID {
            runs = runs.filter { $0.runID == runID }
            if runs.isEmpty { throw PipelineError(.usage, "no run \(runID) in \(checkpointDirectory)") }
        }
        var entries: [Entry] = []
        for run in runs {
            var stages: [StageEntry] = []
            for stage in StageName.allCases {
                if let manifest = try? store.manifest(run.runID, stage) {
                    stages.append(
                        StageEntry(
                            stage: stage, status: manifest.status.rawValue,
                            rows: Dictionary(manifest.files.map { ($0.table, $0.rows) }) { $1 },
                            durationSeconds: manifest.durationSeconds, error: manifest.error))
                } else {
                    stages.append(
                        StageEntry(stage: stage, status: "missing", rows: [:], durationSeconds: nil, error: nil))
                }
            }
            entries.append(Entry(run: run, stages: stages))
        }
        return entries
    }

    /// Customers per segment id of a run's segment stage, or nil when it has none.
    public static func segmentSizes(checkpointDirectory: String, runID: String) -> [Int: Int]? {
        let store = CheckpointStore(root: checkpointDirectory)
        guard let manifest = try? store.manifest(runID, .segment),
            case .object(let sizes)? = manifest.metrics["segment_sizes_by_id"]
        else { return nil }
        var result: [Int: Int] = [:]
        for (key, value) in sizes {
            if let id = Int(key), let count = value.intValue { result[id] = Int(count) }
        }
        return result
    }

    /// A readable listing.
    public static func text(_ entries: [Entry]) -> String {
        guard !entries.isEmpty else { return "no runs" }
        var lines: [String] = []
        for entry in entries {
            lines.append(
                "run \(entry.run.runID)  pipeline \(entry.run.pipeline)  as_of \(entry.run.asOf)  created \(entry.run.createdAt)"
            )
            for stage in entry.stages {
                let time = stage.durationSeconds.map { String(format: "%.2fs", $0) } ?? "-"
                let rows = stage.rows.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                lines.append(
                    "  " + SummaryPrinter.pad(stage.stage.rawValue, 10) + SummaryPrinter.pad(stage.status, 11)
                        + SummaryPrinter.pad(time, 9) + (stage.error ?? rows))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The listing as JSON.
    public static func json(_ entries: [Entry]) -> String {
        CanonicalJSON.string(entries, pretty: true)
    }
}
