public import Columnar
import Foundation

/// Reads and writes checkpoints: `<root>/<run_id>/<stage>/<table>.arrow` plus `_manifest.json`.
///
/// Only the runner uses this; stages see tables, except that a stage may stream a large output table into its
/// folder through the ``CheckpointOutput`` the runner hands it (``openTable(named:runID:stage:columns:)``). Every
/// file is written to a temporary name, fsynced and renamed, so a crash never leaves a half file under a final
/// name, and a manifest is written last.
public struct CheckpointStore: Sendable {
    /// The checkpoint root folder.
    public let root: String
    /// The algorithm of the checksums of the files this store writes (files are verified with the algorithm
    /// their manifest names).
    public let checksum: ChecksumAlgorithm
    /// Files this process wrote, which it reads back without hashing them again (see ``WrittenCheckpoints``).
    let written = WrittenCheckpoints()

    /// Creates a store rooted at `root` (created on first write) that checksums what it writes with `checksum`.
    public init(root: String, checksum: ChecksumAlgorithm = .xxh64) {
        self.root = root
        self.checksum = checksum
    }

    /// Folder of one run.
    public func runDirectory(_ runID: String) -> String { "\(root)/\(runID)" }

    /// Folder of one stage of one run.
    public func stageDirectory(_ runID: String, _ stage: StageName) -> String { "\(root)/\(runID)/\(stage.rawValue)" }

    // MARK: - Runs

    /// All runs with a readable `_run.json`, oldest first.
    public func runs() -> [RunRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.compactMap { try? runRecord($0) }
            .sorted { ($0.createdAt, $0.runID) < ($1.createdAt, $1.runID) }
    }

    /// The record of run `runID`.
    public func runRecord(_ runID: String) throws(PipelineError) -> RunRecord {
        try readJSON(RunRecord.self, path: "\(runDirectory(runID))/_run.json")
    }

    /// Writes a run's record, creating its folder.
    public func writeRunRecord(_ record: RunRecord) throws(PipelineError) {
        try writeJSON(record, path: "\(runDirectory(record.runID))/_run.json")
    }

    // MARK: - Manifests

    /// The manifest of a stage, or nil when the stage has none.
    ///
    /// A manifest of a newer layout than this build writes (written by a newer segpipe) is refused rather than read
    /// as if it were this one's: fields it added could change what its files mean.
    public func manifest(_ runID: String, _ stage: StageName) throws(PipelineError) -> StageManifest? {
        let path = "\(stageDirectory(runID, stage))/_manifest.json"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let manifest = try readJSON(StageManifest.self, path: path)
        guard manifest.schemaVersion <= StageManifest.currentSchemaVersion else {
            throw PipelineError(
                .checkpoint,
                "\(path) has manifest schema version \(manifest.schemaVersion), newer than this segpipe reads "
                    + "(\(StageManifest.currentSchemaVersion)): it was written by segpipe \(manifest.toolVersion); "
                    + "run that version or newer, or start a new run with --run-id")
        }
        return manifest
    }

    /// Writes a stage manifest atomically.
    public func writeManifest(_ manifest: StageManifest) throws(PipelineError) {
        try writeJSON(manifest, path: "\(stageDirectory(manifest.runID, manifest.stage))/_manifest.json")
    }

    // MARK: - Tables

    /// Writes `table` as `<name>.arrow` in the stage folder and returns its manifest entry; `fillsInParallel` as in
    /// `ArrowFileWriter` (for a table written while nothing else runs).
    public func writeTable(
        _ table: Table, named name: String, runID: String, stage: StageName, fillsInParallel: Bool = false
    ) throws(PipelineError) -> StageManifest.File {
        let directory = stageDirectory(runID, stage)
        try createDirectory(directory)
        let path = "\(directory)/\(name).arrow"
        do {
            let written = try table.write(to: path, checksum: checksum, fillsInParallel: fillsInParallel)
            return CheckpointOutput.manifestEntry(written, name: name)
        } catch {
            throw PipelineError(.io, "cannot write checkpoint \(path)", underlying: error)
        }
    }

    /// Opens `<name>.arrow` in the stage folder (created if needed) for writing one record batch at a time.
    public func openTable(
        named name: String, runID: String, stage: StageName, columns: [(name: String, type: ColumnType)]
    ) throws(PipelineError) -> ArrowStreamWriter {
        let directory = stageDirectory(runID, stage)
        try createDirectory(directory)
        let path = "\(directory)/\(name).arrow"
        do {
            return try ArrowStreamWriter(path: path, columns: columns, checksum: checksum)
        } catch {
            throw PipelineError(.io, "cannot write checkpoint \(path)", underlying: error)
        }
    }

    /// Reads a table of a completed stage, verifying size and checksum against the manifest; with `columns`, only
    /// the columns named there (the checksum still covers the whole file).
    public func readTable(_ name: String, of manifest: StageManifest, columns: Set<String>? = nil)
        throws(PipelineError) -> Table
    {
        try InputBatches(try openTable(name, of: manifest), columns: columns, of: manifest).whole()
    }

    /// Opens a table of a completed stage for reading a slice of record batches at a time, after verifying its
    /// checksum against the manifest (the whole file is hashed once, here).
    public func openTable(_ name: String, of manifest: StageManifest) throws(PipelineError) -> ArrowFileReader {
        guard let entry = manifest.file(for: name) else {
            throw PipelineError(
                .checkpoint,
                "checkpoint \(manifest.runID)/\(manifest.stage) has no table \"\(name)\"; rerun with --from \(manifest.stage)"
            )
        }
        let path = "\(stageDirectory(manifest.runID, manifest.stage))/\(entry.name)"
        guard FileManager.default.fileExists(atPath: path) else {
            throw PipelineError(
                .checkpoint, "checkpoint file \(path) is missing; rerun with --from \(manifest.stage)")
        }
        // A file this process wrote moments ago, unchanged since, needs no second hash.
        let expected = written.isUnchanged(path, checksum: entry.checksum) ? nil : entry.checksum
        do {
            return try ArrowFileReader(path: path, expectedChecksum: expected)
        } catch {
            throw Self.unreadable(path, of: manifest, error)
        }
    }

    /// The error for a checkpoint file that cannot be read (or whose checksum differs from the manifest's).
    static func unreadable(_ path: String, of manifest: StageManifest, _ error: ColumnarError) -> PipelineError {
        if error.code == .checksumMismatch {
            return PipelineError(
                .checkpoint,
                "checkpoint file \(path) is corrupt (its checksum differs from the manifest); rerun with --from \(manifest.stage)"
            )
        }
        return PipelineError(
            .checkpoint, "checkpoint file \(path) cannot be read; rerun with --from \(manifest.stage)",
            underlying: error)
    }

    /// Records the files of a stage this process has just written (see ``WrittenCheckpoints``).
    func recordWritten(_ manifest: StageManifest) {
        for file in manifest.files {
            written.record("\(stageDirectory(manifest.runID, manifest.stage))/\(file.name)", checksum: file.checksum)
        }
    }

    /// Removes files of a stage left from an earlier attempt, before it runs again.
    public func clearStage(_ runID: String, _ stage: StageName) throws(PipelineError) {
        let directory = stageDirectory(runID, stage)
        guard FileManager.default.fileExists(atPath: directory) else { return }
        do {
            for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
                try FileManager.default.removeItem(atPath: "\(directory)/\(name)")
            }
        } catch {
            throw PipelineError(.io, "cannot clear checkpoint folder \(directory)", underlying: error)
        }
    }

    // MARK: - JSON files

    private func readJSON<T: Decodable>(_ type: T.Type, path: String) throws(PipelineError) -> T {
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw PipelineError(.checkpoint, "cannot read \(path); it is missing or damaged", underlying: error)
        }
    }

    private func writeJSON(_ value: some Encodable, path: String) throws(PipelineError) {
        let directory = (path as NSString).deletingLastPathComponent
        try createDirectory(directory)
        var data = CanonicalJSON.data(value, pretty: true)
        data.append(0x0A)
        do {
            try AtomicFile.write(data, to: path)
        } catch {
            throw PipelineError(.io, "cannot write \(path)", underlying: error)
        }
    }

    private func createDirectory(_ path: String) throws(PipelineError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw PipelineError(.io, "cannot create folder \(path)", underlying: error)
        }
    }
}
