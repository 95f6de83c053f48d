import Columnar

/// Where a stage puts an output table it produces a slice at a time (as clean and dedupe do with orders and email
/// events): streamed into `<name>.arrow` of its checkpoint as record batches, so only the slice being worked on is
/// in memory, or collected and joined into one table when the stage runs without a checkpoint (as in tests).
///
/// One sink per table and thread. Either ``finish()`` or ``abandon()`` must end it.
final class TableSink {
    let name: String
    private let columns: [(name: String, type: ColumnType)]
    private var writer: ArrowStreamWriter?
    private var collected: [[Column]] = []
    /// Rows appended so far.
    private(set) var rowCount = 0

    /// A sink for `name` with `columns`, streamed into the checkpoint through `output` (in memory without one).
    init(_ name: String, columns: [(name: String, type: ColumnType)], output: CheckpointOutput?) throws(PipelineError)
    {
        self.name = name
        self.columns = columns
        if let output { writer = try output.open(name, columns: columns) }
    }

    /// Appends the rows of `table`, whose columns must be the sink's, in order.
    func append(_ table: Table) throws(PipelineError) {
        guard table.columns.map(\.name) == columns.map(\.name) else {
            throw PipelineError(
                .internal,
                "table \(name): a slice has columns \(table.columnNames) where \(columns.map(\.name)) were expected")
        }
        rowCount += table.rowCount
        guard let writer else {
            collected.append(table.columns)
            return
        }
        do {
            try writer.append(table)
        } catch {
            throw PipelineError(.io, "cannot write checkpoint \(writer.path)", underlying: error)
        }
    }

    /// What a finished sink holds: the manifest entry of the committed file, or the joined table.
    enum Finished: Sendable {
        case file(StageManifest.File)
        case table(Table)

        /// Rows in the table.
        var rowCount: Int {
            switch self {
            case .file(let file): Int(file.rows)
            case .table(let table): table.rowCount
            }
        }
    }

    /// Commits the file, or joins the collected slices (an empty table when nothing was appended).
    func finish() throws(PipelineError) -> Finished {
        if let writer {
            self.writer = nil
            do {
                return .file(CheckpointOutput.manifestEntry(try writer.finish(), name: name))
            } catch {
                throw PipelineError(.io, "cannot write checkpoint \(writer.path)", underlying: error)
            }
        }
        let joined: [Column]
        if collected.isEmpty {
            joined = columns.map { ColumnBuilder(name: $0.name, type: $0.type).build() }
        } else {
            joined = ExtractStage.concatenating(&collected)
        }
        do {
            return .table(try Table(columns: joined))
        } catch {
            throw PipelineError(.internal, "table \(name): the collected slices do not join", underlying: error)
        }
    }

    /// Puts every slice of `input` (at least `rows` rows each, see ``InputBatches/forEachSlice(rows:_:)``), as
    /// `transform` returns it, into the table `name`, and finishes it; on a failure the partly written file is
    /// removed.
    static func stream(
        _ input: InputBatches, rows: Int, into name: String, output: CheckpointOutput?,
        _ transform: (Table) throws(PipelineError) -> Table
    ) throws(PipelineError) -> Finished {
        let sink = try TableSink(name, columns: input.columns, output: output)
        do throws(PipelineError) {
            try input.forEachSlice(rows: rows) { slice throws(PipelineError) in try sink.append(try transform(slice)) }
            return try sink.finish()
        } catch {
            sink.abandon()
            throw error
        }
    }

    /// Removes the partly written file, if any.
    func abandon() {
        writer?.abandon()
        writer = nil
        collected = []
    }

    deinit {
        writer?.abandon()
    }
}

extension StageOutput {
    /// Adds a finished sink's table: its manifest entry when it went into the checkpoint, else the table itself.
    mutating func add(_ finished: TableSink.Finished, named name: String) {
        switch finished {
        case .file(let file): files.append(file)
        case .table(let table): tables.append((name, table))
        }
    }
}
