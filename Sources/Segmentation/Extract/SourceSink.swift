import Columnar

/// Where the extract stage puts one source's rows, part by part in file order: streamed into an Arrow file (the
/// checkpoint's) as record batches, so memory holds only the parts being read, or collected into an in-memory table
/// when the stage runs without a checkpoint (as in tests).
final class SourceSink {
    let name: String
    private let schema: CanonicalSchema.TableSchema
    /// Opens the file the rows are streamed into; nil collects them in memory.
    private let open: (@Sendable () throws -> ArrowStreamWriter)?
    private var writer: ArrowStreamWriter?
    /// Parts kept in memory when there is no file to stream into.
    private var collected: [[Column]] = []
    /// Rows appended so far.
    private(set) var rowCount = 0

    /// A sink for the table `name` with the canonical columns of `schema` and the `source_line` column, streamed
    /// into `<name>.arrow` of the stage's checkpoint (in memory without one).
    init(_ name: String, schema: CanonicalSchema.TableSchema, output: CheckpointOutput?) {
        self.name = name
        self.schema = schema
        let columns = Self.columns(of: schema)
        if let output {
            open = { () throws -> ArrowStreamWriter in try output.open(name, columns: columns) }
        } else {
            open = nil
        }
    }

    /// A sink streaming the table into the Arrow file at `path`.
    init(_ name: String, schema: CanonicalSchema.TableSchema, path: String) {
        self.name = name
        self.schema = schema
        let columns = Self.columns(of: schema)
        open = { try ArrowStreamWriter(path: path, columns: columns) }
    }

    private static func columns(of schema: CanonicalSchema.TableSchema) -> [(name: String, type: ColumnType)] {
        schema.fields.map { ($0.name, $0.kind.columnType) } + [(CanonicalSchema.lineColumn, .int64)]
    }

    /// Opens the file through `open`, reporting a failure as an I/O error.
    private func openWriter(_ open: () throws -> ArrowStreamWriter) throws(PipelineError) -> ArrowStreamWriter {
        do {
            return try open()
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(.io, "cannot write table \(name)", underlying: error)
        }
    }

    /// Appends the rows of `builder`: written straight from its buffers into the checkpoint file, or copied into
    /// the in-memory columns.
    func append(_ builder: TypedTableBuilder) throws(PipelineError) {
        guard let open else { return append(builder.columns()) }
        rowCount += builder.rowCount
        let writer: ArrowStreamWriter
        if let opened = self.writer {
            writer = opened
        } else {
            writer = try openWriter(open)
            self.writer = writer
        }
        do {
            try builder.withBatchColumns { views in try writer.append(rowCount: builder.rowCount, columns: views) }
        } catch {
            throw PipelineError(.io, "cannot write checkpoint table \(name)", underlying: error)
        }
    }

    /// Keeps rows in memory (columns in the order of the schema, then `source_line`), joined by ``finish()``.
    private func append(_ part: [Column]) {
        rowCount += part.first?.count ?? 0
        collected.append(part)
    }

    /// Drops every row appended so far (a failed attempt at reading a database source).
    func reset() {
        writer?.abandon()
        writer = nil
        collected = []
        rowCount = 0
    }

    /// What was extracted: the committed file, or the in-memory table.
    enum Finished: Sendable {
        case file(WrittenFile)
        case table(Table)
    }

    /// Commits the file (an empty one when nothing was appended) or returns the collected table.
    func finish() throws(PipelineError) -> Finished {
        if let open {
            let writer: ArrowStreamWriter
            if let opened = self.writer { writer = opened } else { writer = try openWriter(open) }
            self.writer = nil
            do {
                return .file(try writer.finish())
            } catch {
                throw PipelineError(.io, "cannot write \(writer.path)", underlying: error)
            }
        }
        if !collected.isEmpty { return .table(try ExtractStage.makeTable(ExtractStage.concatenating(&collected))) }
        return .table(try ExtractStage.emptyTable(schema))
    }
}
