public import Columnar
public import Logging

/// What every stage may know about the run it is part of.
public struct StageContext: Sendable {
    /// The pipeline definition.
    public var configuration: PipelineConfiguration
    /// The run's id.
    public var runID: String
    /// The observation date, in days since 1970-01-01.
    public var asOf: Int32
    /// Folder that relative source paths resolve against.
    public var dataDirectory: String
    /// The database connection string, if one was given (never logged).
    public var databaseURL: String?
    /// Where the stage logs.
    public var logger: Logger
    /// Whether the run was asked to stop (SIGINT or SIGTERM); polled between stages and chunks.
    public var isCancelled: @Sendable () -> Bool
    /// Where long-running stages report rows processed (for a terminal's progress line).
    public var progress: any ProgressReporter
    /// Where the stage may stream large output tables straight into its checkpoint, one record batch at a time,
    /// instead of holding them whole in memory. Set by the runner; nil when a stage is run on its own (as in tests),
    /// which then returns every table in ``StageOutput/tables``.
    public var checkpointOutput: CheckpointOutput?

    /// Creates a context.
    public init(
        configuration: PipelineConfiguration, runID: String, asOf: Int32, dataDirectory: String, databaseURL: String?,
        logger: Logger, isCancelled: @escaping @Sendable () -> Bool = { false },
        progress: any ProgressReporter = SilentProgress()
    ) {
        self.configuration = configuration
        self.runID = runID
        self.asOf = asOf
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL
        self.logger = logger
        self.isCancelled = isCancelled
        self.progress = progress
    }

    /// Throws a ``PipelineError/Code/cancelled`` error once the run has been asked to stop.
    public func checkCancellation() throws(PipelineError) {
        if isCancelled() { throw PipelineError(.cancelled, "cancelled by signal") }
    }
}

/// Where a stage streams output tables into its checkpoint folder (see ``StageContext/checkpointOutput``).
public struct CheckpointOutput: Sendable {
    let store: CheckpointStore
    let runID: String
    let stage: StageName

    /// Opens `<name>.arrow` in the stage's checkpoint folder for writing batch by batch; the file appears under its
    /// name only when the writer's `finish()` commits it. ``manifestEntry(_:name:)`` describes it for the manifest.
    func open(_ name: String, columns: [(name: String, type: ColumnType)]) throws(PipelineError) -> ArrowStreamWriter {
        try store.openTable(named: name, runID: runID, stage: stage, columns: columns)
    }

    /// Writes a whole table as `<name>.arrow`, as the runner writes a stage's tables, and returns its manifest entry;
    /// `fillsInParallel` for a table written while nothing else runs (see `ArrowFileWriter`).
    func write(_ table: Table, named name: String, fillsInParallel: Bool = false) throws(PipelineError)
        -> StageManifest.File
    {
        try store.writeTable(table, named: name, runID: runID, stage: stage, fillsInParallel: fillsInParallel)
    }

    /// The manifest entry of a table file written through ``open(_:columns:)``.
    static func manifestEntry(_ written: WrittenFile, name: String) -> StageManifest.File {
        StageManifest.File(
            table: name, name: "\(name).arrow", rows: written.rowCount, bytes: written.byteCount,
            checksum: written.checksum)
    }
}

/// The tables and metrics a stage produces; the runner writes them as the stage's checkpoint.
public struct StageOutput: Sendable {
    /// Tables the stage already streamed into its checkpoint through ``StageContext/checkpointOutput``; they come
    /// first in the manifest.
    public var files: [StageManifest.File] = []
    /// Output tables in file order.
    public var tables: [(name: String, table: Table)]
    /// Stage metrics recorded in the manifest.
    public var metrics: [String: JSONValue]
    /// Set when the stage finished but a data-quality threshold was exceeded: the checkpoint is written for
    /// inspection, the stage is marked failed and the run stops with exit code 3.
    public var qualityFailure: String?

    /// Creates an output.
    public init(tables: [(name: String, table: Table)], metrics: [String: JSONValue], qualityFailure: String? = nil) {
        self.tables = tables
        self.metrics = metrics
        self.qualityFailure = qualityFailure
    }

    /// The table called `name`, if the stage produced it.
    public func table(_ name: String) -> Table? { tables.first { $0.name == name }?.table }
}

/// Input tables of a stage, by upstream stage and table name.
///
/// A table is held whole, or (for the large tables a stage only streams through, see ``Planner/streams(_:_:from:)``)
/// as an open checkpoint file that ``batches(_:of:)`` reads a slice of record batches at a time.
public struct StageInputs: Sendable {
    private var tables: [StageName: [String: Table]]
    private var files: [StageName: [String: InputBatches]] = [:]

    /// Creates inputs from tables read off upstream checkpoints.
    public init(_ tables: [StageName: [String: Table]] = [:]) {
        self.tables = tables
    }

    /// The table `name` of stage `stage`, or a checkpoint error saying what to rerun. A table given as an open file
    /// is read whole.
    public func table(_ name: String, of stage: StageName) throws(PipelineError) -> Table {
        if let table = tables[stage]?[name] { return table }
        if let file = files[stage]?[name] { return try file.whole() }
        throw PipelineError(
            .checkpoint, "the \(stage) checkpoint has no table \"\(name)\"; rerun with --from \(stage)")
    }

    /// The table `name` of stage `stage` for reading a slice at a time (a table held whole is one slice).
    public func batches(_ name: String, of stage: StageName) throws(PipelineError) -> InputBatches {
        if let file = files[stage]?[name] { return file }
        return InputBatches(try table(name, of: stage))
    }

    /// Adds or replaces a table given as an open checkpoint file.
    public mutating func set(_ batches: InputBatches, named name: String, of stage: StageName) {
        tables[stage]?[name] = nil
        files[stage, default: [:]][name] = batches
    }

    /// Tables of the previous run's same stage (its segments, for stable segment ids), by name.
    public private(set) var previous: [String: Table] = [:]
    /// The run those previous tables come from.
    public var previousRunID: String?

    /// The earlier run whose model this run is scored with (`segment.score_with`), if any.
    public var scoringReference: ScoringReference?

    /// Adds a table of the previous run.
    public mutating func setPrevious(_ table: Table, named name: String) {
        previous[name] = table
    }

    /// Adds or replaces a table.
    public mutating func set(_ table: Table, named name: String, of stage: StageName) {
        files[stage]?[name] = nil
        tables[stage, default: [:]][name] = table
    }
}

/// An input table read a slice of record batches at a time, so a stage that streams rows through (filters them, or
/// rewrites a column) never holds the whole table: either an open checkpoint file or a table already in memory.
public struct InputBatches: Sendable {
    private enum Storage: Sendable {
        case file(ArrowFileReader, columns: [String]?, manifest: StageManifest)
        case table(Table)
    }

    private let storage: Storage
    /// Rows a stage streaming a table puts through at a time, unless it says otherwise: large enough that the
    /// per-slice work is negligible, small enough that a slice's columns (a few tens of MB) are reused from memory
    /// the previous slice freed.
    public static let defaultSliceRows = 1 << 18
    /// Rows in the whole table.
    public let rowCount: Int
    /// The columns read, in order.
    public let columns: [(name: String, type: ColumnType)]

    /// A table held in memory: one slice.
    public init(_ table: Table) {
        storage = .table(table)
        rowCount = table.rowCount
        columns = table.columns.map { ($0.name, $0.type) }
    }

    /// A checkpoint file of `manifest`'s stage, opened (and checksummed) by ``CheckpointStore/openTable(_:of:)``;
    /// with `columns`, only the file's columns named there are read, in the file's order.
    public init(_ reader: ArrowFileReader, columns: Set<String>? = nil, of manifest: StageManifest) {
        let read = reader.columns.filter { columns?.contains($0.name) ?? true }
        storage = .file(reader, columns: columns == nil ? nil : read.map(\.name), manifest: manifest)
        rowCount = reader.rowCount
        self.columns = read.map { ($0.name, $0.type) }
    }

    /// The whole table.
    public func whole() throws(PipelineError) -> Table {
        switch storage {
        case .table(let table):
            return table
        case .file(let reader, let columns, let manifest):
            return try Self.read(reader, columns: columns, batches: 0..<reader.batchCount, manifest: manifest)
        }
    }

    /// Calls `body` with consecutive slices of the table in row order, each of whole record batches and at least
    /// `rows` rows (except the last); a table held in memory, or a file without record batches, is one slice.
    ///
    /// A file's slices are read for the last time: each stage streams its streamed inputs once, and no later stage
    /// reads them (``Planner/streams(_:_:from:)``), so their pages are dropped from the page cache once read (see
    /// `MappedFile.release(_:fromPageCache:)`: the stage's own checkpoint then reuses that memory).
    public func forEachSlice(rows: Int, _ body: (Table) throws(PipelineError) -> Void) throws(PipelineError) {
        switch storage {
        case .table(let table):
            try body(table)
        case .file(let reader, let columns, let manifest):
            let counts = reader.batchRowCounts
            guard !counts.isEmpty else {
                return try body(try Self.read(reader, columns: columns, batches: 0..<0, manifest: manifest))
            }
            var start = 0
            while start < counts.count {
                var end = start
                var sliceRows = 0
                while end < counts.count, sliceRows < rows || end == start {
                    sliceRows += counts[end]
                    end += 1
                }
                try body(
                    try Self.read(reader, columns: columns, batches: start..<end, lastRead: true, manifest: manifest))
                start = end
            }
        }
    }

    /// Calls `body` with the UTF-8 bytes of row `row` (counted over the whole table) of the text column `name`,
    /// without reading the slice it is in: for the odd value looked up again after its slice was let go.
    public func withUTF8<R>(column name: String, row: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R)
        throws(PipelineError) -> R
    {
        switch storage {
        case .table(let table):
            return try table.strings(name).withUTF8(at: row, body)
        case .file(let reader, _, let manifest):
            guard let index = reader.columns.firstIndex(where: { $0.name == name }) else {
                throw PipelineError(
                    .checkpoint,
                    "checkpoint file \(reader.path) has no column \"\(name)\"; rerun with --from \(manifest.stage)")
            }
            do {
                return try reader.withUTF8(columnIndex: index, row: row) { bytes in body(bytes) }
            } catch {
                throw CheckpointStore.unreadable(reader.path, of: manifest, error)
            }
        }
    }

    private static func read(
        _ reader: ArrowFileReader, columns: [String]?, batches: Range<Int>, lastRead: Bool = false,
        manifest: StageManifest
    ) throws(PipelineError) -> Table {
        do {
            // A table read whole (large, at the start of a stage) is copied out a column per core at a time.
            let isWhole = batches.count == reader.batchCount && reader.rowCount >= 1 << 16
            let parallel: ParallelFor? = isWhole ? { count, body in parallelFor(count, body) } : nil
            return try reader.readTable(columns: columns, batches: batches, lastRead: lastRead, parallel: parallel)
        } catch {
            throw CheckpointStore.unreadable(reader.path, of: manifest, error)
        }
    }
}

/// An earlier run's segmentation model, for scoring a run the same way (`segment.score_with`).
public struct ScoringReference: Sendable {
    /// The run the model comes from.
    public var runID: String
    /// Its transform parameters, as its segment manifest records them (`metrics.scaling`).
    public var scaling: JSONValue
    /// Its `segments` table (segment ids and `centroid_<column>` columns).
    public var segments: Table

    /// Creates a reference.
    public init(runID: String, scaling: JSONValue, segments: Table) {
        self.runID = runID
        self.scaling = scaling
        self.segments = segments
    }
}
