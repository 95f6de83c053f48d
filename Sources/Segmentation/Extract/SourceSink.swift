import Columnar

/// Where the extract stage puts one source's rows, part by part in file order: streamed into the checkpoint file
/// as record batches (so memory holds only the parts being read), or collected into an in-memory table when the
/// stage runs without a checkpoint (as in tests).
final class SourceSink {
    let name: String
    private let schema: CanonicalSchema.TableSchema
    private let columns: [(name: String, type: ColumnType)]
    private let output: CheckpointOutput?
    private var writer: ArrowStreamWriter?
    private var collected: [Column]?
    /// Rows appended so far.
    private(set) var rowCount = 0

    /// A sink for the table `name` with the canonical columns of `schema` and the `source_line` column.
    init(_ name: String, schema: CanonicalSchema.TableSchema, output: CheckpointOutput?) {
        self.name = name
        self.schema = schema
        columns = schema.fields.map { ($0.name, $0.kind.columnType) } + [(CanonicalSchema.lineColumn, .int64)]
        self.output = output
    }

    /// Appends the rows of `builder`: written straight from its buffers into the checkpoint file, or copied into
    /// the in-memory columns.
    func append(_ builder: TypedTableBuilder) throws(PipelineError) {
        guard let output else { return append(builder.columns()) }
        rowCount += builder.rowCount
        if writer == nil { writer = try output.open(name, columns: columns) }
        guard let writer else { return }
        do {
            try builder.withBatchColumns { views in try writer.append(rowCount: builder.rowCount, columns: views) }
        } catch {
            throw PipelineError(.io, "cannot write checkpoint table \(name)", underlying: error)
        }
    }

    /// Appends rows held in memory (columns in the order of the schema, then `source_line`).
    private func append(_ part: [Column]) {
        rowCount += part.first?.count ?? 0
        if var first = collected {
            collected = nil
            collected = ExtractStage.appendingInPlace(&first, part)
        } else {
            collected = part
        }
    }

    /// Drops every row appended so far (a failed attempt at reading a database source).
    func reset() {
        writer?.abandon()
        writer = nil
        collected = nil
        rowCount = 0
    }

    /// What was extracted: the committed checkpoint file, or the in-memory table.
    enum Finished {
        case file(StageManifest.File)
        case table(Table)
    }

    /// Commits the file (an empty one when nothing was appended) or returns the collected table.
    func finish() throws(PipelineError) -> Finished {
        if let output {
            let writer: ArrowStreamWriter
            if let open = self.writer { writer = open } else { writer = try output.open(name, columns: columns) }
            self.writer = nil
            return .file(try output.finish(writer, name: name))
        }
        if let collected { return .table(try ExtractStage.makeTable(collected)) }
        return .table(try ExtractStage.emptyTable(schema))
    }
}
