import Columnar
import Dispatch
import Foundation
import Logging
import Postgres
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the pipeline's sources into typed canonical tables; rows that cannot be read become rejects.
///
/// A source is CSV (one file, or every file matching a glob, plain or gzip-compressed) or a PostgreSQL table or
/// query read with `COPY (…) TO STDOUT`. Source columns are matched to canonical names through the source's
/// `columns` mapping, else by name ignoring case and surrounding whitespace; a missing required column is a
/// configuration error naming the file and the columns found. Row-level problems (wrong field count, invalid
/// UTF-8, a missing required value, an unparseable date or number) reject the row with its line and raw text and
/// reading goes on; structural problems (unterminated quote, no header) stop the stage.
/// Every table gets a `source_line` column so later stages can point back at the file.
struct ExtractStage {
    let context: StageContext

    /// What reading one source produced.
    private struct SourceResult: Sendable {
        var output: SourceSink.Finished
        var rowCount: Int
        var rejects: [Reject]
        var metrics: [String: JSONValue]
    }

    func run() throws(PipelineError) -> StageOutput {
        let sources = context.configuration.sources
        let list: [(CanonicalSchema.TableSchema, PipelineConfiguration.Source?)] = [
            (CanonicalSchema.customers, sources.customers), (CanonicalSchema.orders, sources.orders),
            (CanonicalSchema.emailEvents, sources.emailEvents),
        ]
        // The files of every CSV source, expanded once. When all configured sources are files, their sizes are the
        // stage's total work, so the progress line can show an ETA (a database source's size is not known).
        let files = list.map { _, source in
            source.flatMap { $0.isDatabase ? nil : Self.expand($0.path ?? "", dataDirectory: context.dataDirectory) }
        }
        if !list.contains(where: { $0.1?.isDatabase == true }) {
            let total = files.compactMap { $0 }.joined().reduce(Int64(0)) { $0 + Self.fileSize($1.absolute) }
            context.progress.expectTotal(total, of: .bytes)
        }
        // The sources are read concurrently (each large file in parts on both cores) and streamed into their
        // checkpoint files; results are combined in source order, so the checkpoint is the same whatever the
        // scheduling.
        let results = Mutex<[Int: Result<SourceResult, PipelineError>]>([:])
        DispatchQueue.concurrentPerform(iterations: list.count) { index in
            let (schema, source) = list[index]
            let result = Result { () throws(PipelineError) -> SourceResult in
                var rejects: [Reject] = []
                var metrics: [String: JSONValue] = [:]
                let sink = SourceSink(schema.name, schema: schema, output: context.checkpointOutput)
                if let source, schema.name == CanonicalSchema.orders.name, context.configuration.features.pushdown,
                    source.isDatabase
                {
                    // The features stage asks the source's server for the order features: nothing to copy.
                    metrics["source.\(schema.name)"] = .string("left in the source (features.pushdown)")
                } else if let source {
                    try extract(
                        source, files: files[index] ?? [], schema: schema, into: sink, rejects: &rejects,
                        metrics: &metrics)
                } else {
                    metrics["source.\(schema.name)"] = .string("not configured")
                }
                return SourceResult(
                    output: try sink.finish(), rowCount: sink.rowCount, rejects: rejects, metrics: metrics)
            }
            results.withLock { $0[index] = result }
        }
        let finished = results.withLock { $0 }
        var rejects: [Reject] = []
        var metrics: [String: JSONValue] = [:]
        var output = StageOutput(tables: [], metrics: [:])
        for (index, (schema, _)) in list.enumerated() {
            guard let result = finished[index] else {
                throw PipelineError(.internal, "source \(schema.name) produced no result")
            }
            let read = try result.get()
            rejects.append(contentsOf: read.rejects)
            metrics.merge(read.metrics) { $1 }
            metrics["rows_extracted.\(schema.name)"] = .int(Int64(read.rowCount))
            metrics["rows_rejected.\(schema.name)"] = .int(Int64(read.rejects.count))
            switch read.output {
            case .file(let file): output.files.append(CheckpointOutput.manifestEntry(file, name: schema.name))
            case .table(let table): output.tables.append((schema.name, table))
            }
        }
        metrics["rows_rejected"] = .int(Int64(rejects.count))
        metrics["rejects_by_reason"] = RejectTable.countsByReason(rejects)
        output.tables.append(("rejects", RejectTable.make(rejects)))
        output.metrics = metrics
        return output
    }

    /// Reads one source into `sink`; `files` are those its path or glob matches (none for a database source).
    private func extract(
        _ source: PipelineConfiguration.Source, files: [(absolute: String, display: String)],
        schema: CanonicalSchema.TableSchema, into sink: SourceSink, rejects: inout [Reject],
        metrics: inout [String: JSONValue]
    ) throws(PipelineError) {
        if source.isDatabase {
            try extractFromDatabase(source, schema: schema, into: sink, rejects: &rejects, metrics: &metrics)
            return
        }
        let pattern = source.path ?? ""
        guard !files.isEmpty else {
            if source.required {
                throw PipelineError(
                    .input, "source \(schema.name): no file matches \(Self.resolve(pattern, context.dataDirectory))")
            }
            context.logger.info(
                "optional source missing", metadata: ["source": "\(schema.name)", "path": "\(pattern)"])
            metrics["source.\(schema.name)"] = .string("missing (optional)")
            return
        }
        let dialect = CSVDialect(
            delimiter: CSVDialect.delimiterByte(named: source.delimiter) ?? UInt8(ascii: ","),
            quote: source.quote.utf8.first ?? UInt8(ascii: "\""), hasHeader: source.header,
            encoding: CSVEncoding(name: source.encoding) ?? .utf8)
        var bytesRead: Int64 = 0
        for file in files {
            do {
                let reader = try CSVReader(path: file.absolute, dialect: dialect)
                let progress = context.progress
                let isCancelled = context.isCancelled
                // Each file's rows follow the earlier files' in the sink, part by part.
                try Self.read(
                    reader, source: source, file: file.display, schema: schema, parallelism: Self.parallelism,
                    codesText: sink.codesText,
                    onBatch: { records, fileBytes in
                        progress.rowsProcessed(records)
                        progress.bytesProcessed(fileBytes)
                        if isCancelled() { throw PipelineError(.cancelled, "cancelled by signal") }
                    },
                    into: { part in
                        rejects.append(contentsOf: part.rejects)
                        try sink.append(part.rows)
                    })
                // Read in parts, the first reader saw only its part of the bytes.
                bytesRead += reader.stoppedAt == nil ? reader.bytesRead : Self.fileSize(file.absolute)
            } catch let error as PipelineError {
                throw error
            } catch {
                throw PipelineError(.input, "source \(schema.name) cannot be read", underlying: error)
            }
        }
        metrics["bytes_read.\(schema.name)"] = .int(bytesRead)
        metrics["files.\(schema.name)"] = .array(files.map { .string($0.display) })
    }

    // MARK: - CSV

    /// Records between progress reports and cancellation checks while reading a file.
    static let progressBatch = 65_536

    /// Parts a large file is read in at once: two, or one on a single core.
    static var parallelism: Int {
        min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// The files a path or glob names, sorted, with the name to show in rejects (the path relative to the data
    /// folder when it was given relative).
    static func expand(_ pattern: String, dataDirectory: String) -> [(absolute: String, display: String)] {
        let absolute = resolve(pattern, dataDirectory)
        let hasWildcard = pattern.contains { "*?[".contains($0) }
        guard hasWildcard else {
            return FileManager.default.fileExists(atPath: absolute) ? [(absolute, pattern)] : []
        }
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(absolute, 0, nil, &result) == 0 else { return [] }
        let prefix = pattern.hasPrefix("/") ? "" : URL(fileURLWithPath: dataDirectory).path + "/"
        var matches: [(String, String)] = []
        for index in 0..<Int(result.gl_pathc) {
            guard let pointer = result.gl_pathv[index] else { continue }
            let path = String(cString: pointer)
            let display = !prefix.isEmpty && path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
            matches.append((path, display))
        }
        return matches.sorted { $0.0 < $1.0 }
    }

    static func resolve(_ path: String, _ dataDirectory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: dataDirectory).appendingPathComponent(path).path
    }

    /// The size of a file on disk in bytes, 0 when it cannot be read (reading it then reports the error).
    static func fileSize(_ path: String) -> Int64 {
        var status = stat()
        guard stat(path, &status) == 0 else { return 0 }
        return Int64(status.st_size)
    }

    // MARK: - PostgreSQL

    /// The SQL that reads a database source, with every column the schema needs (quoted) in canonical order.
    static func query(for source: PipelineConfiguration.Source, schema: CanonicalSchema.TableSchema) -> String {
        if let query = source.query {
            return "SELECT * FROM (\(query)) AS source"
        }
        let table = (source.table ?? "").split(separator: ".", maxSplits: 1).map(String.init)
        let qualified =
            table.count == 2
            ? PostgresIdentifier.quote(schema: table[0], name: table[1]) : PostgresIdentifier.quote(table.first ?? "")
        let columns = schema.fields.map { PostgresIdentifier.quote(source.columns[$0.name] ?? $0.name) }
        let filter = source.filter.map { " WHERE \($0)" } ?? ""
        return "SELECT \(columns.joined(separator: ", ")) FROM \(qualified)\(filter)"
    }

    /// The waits before each new attempt to read a database source.
    ///
    /// A server that restarts, or a connection that drops mid-COPY, gets 3.5 s to come back. Repeating is safe:
    /// reading changes nothing, and the rows and rejects of a failed attempt are dropped, so a source is read
    /// whole or not at all.
    static let databaseRetryDelays: [Double] = [0.5, 1, 2]

    /// Rows between progress reports and cancellation checks while a database source is copied.
    static let databaseProgressBatch = 65_536

    /// Reads a database source, retrying the whole read when the connection fails or drops
    /// (``databaseRetryDelays``); other failures (a missing table or column, a bad query) stop at once.
    private func extractFromDatabase(
        _ source: PipelineConfiguration.Source, schema: CanonicalSchema.TableSchema, into sink: SourceSink,
        rejects: inout [Reject], metrics: inout [String: JSONValue]
    ) throws(PipelineError) {
        var url = context.databaseURL
        if let variable = source.databaseEnv {
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw PipelineError(
                    .configuration, "source \(schema.name): environment variable \(variable) (database_env) is not set")
            }
            url = value
        }
        let sql = Self.query(for: source, schema: schema)
        metrics["query.\(schema.name)"] = .string(sql)
        let name = "source \(schema.name) (\(source.displayName))"
        var attempt = 1
        while true {
            var attemptRejects: [Reject] = []
            do {
                try readDatabase(source, schema: schema, url: url, sql: sql, into: sink, rejects: &attemptRejects)
                rejects.append(contentsOf: attemptRejects)
                metrics["retries.\(schema.name)"] = .int(Int64(attempt - 1))
                return
            } catch let error as PipelineError {
                throw error
            } catch {
                sink.reset()
                guard Self.isTransient(error) else {
                    throw PipelineError(.input, "\(name) cannot be read from PostgreSQL", underlying: error)
                }
                guard attempt <= Self.databaseRetryDelays.count else {
                    throw PipelineError(
                        .database,
                        "\(name) cannot be read from PostgreSQL (\(attempt) attempts; nothing of it was extracted, "
                            + "the next run reads it again)", underlying: error)
                }
                let delay = Self.databaseRetryDelays[attempt - 1]
                context.logger.warning(
                    "reading a database source failed; retrying",
                    metadata: [
                        "source": "\(schema.name)", "attempt": "\(attempt)", "retry_in_s": "\(delay)",
                        "error": "\(error)",
                    ])
                Thread.sleep(forTimeInterval: delay)
                try context.checkCancellation()
                attempt += 1
            }
        }
    }

    /// Whether a failed read may succeed when repeated: the connection was refused or lost, or the server ended
    /// the session (shutdown, crash recovery, `pg_terminate_backend`: SQLSTATE 57P01–57P03).
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? PostgresError else { return false }
        return error.isConnectionFailure || ["57P01", "57P02", "57P03"].contains(error.sqlState ?? "")
    }

    /// One attempt at reading a database source with `COPY (…) TO STDOUT` into `sink`, handed on every
    /// ``chunkRows`` rows (or sooner, at the builder's text limit: a row comes a chunk at a time, and a PostgreSQL
    /// value is below 1 GiB, so the 32-bit text offsets cannot overflow); rejects go to `rejects`.
    private func readDatabase(
        _ source: PipelineConfiguration.Source, schema: CanonicalSchema.TableSchema, url: String?, sql: String,
        into sink: SourceSink, rejects: inout [Reject]
    ) throws {
        let connection = try PostgresConnection(url: url, logger: context.logger)
        // Column names of the result decide the positions, as a header does for CSV.
        let probe = try connection.execute("SELECT * FROM (\(sql)) AS probe LIMIT 0")
        let names = probe.columnNames.map { $0.lowercased() }
        let positions = schema.fields.map { names.firstIndex(of: (source.columns[$0.name] ?? $0.name).lowercased()) }
        let missing = zip(schema.fields, positions).filter { $0.0.isRequired && $0.1 == nil }.map(\.0.name)
        guard missing.isEmpty else {
            throw PipelineError(
                .configuration,
                "source \(schema.name) (\(source.displayName)): missing required column(s) "
                    + "\(missing.joined(separator: ", ")) (columns found: \(probe.columnNames.joined(separator: ", ")))"
            )
        }
        let builder = TypedTableBuilder(
            schema: schema, positions: positions, dateFormat: source.formats.dateFormat ?? .auto,
            decimalStyle: source.formats.decimalStyle ?? .auto)
        var decoder = CopyTextDecoder()
        let file = source.displayName
        var pending = 0
        var isPausePointPassed = false
        _ = try connection.copyOut("COPY (\(sql)) TO STDOUT") { chunk in
            decoder.decode(chunk) { row in
                pending += 1
                if let failure = builder.append(row, line: Int64(row.rowNumber)) {
                    let raw = (0..<row.fieldCount).map { row.string($0) ?? "\\N" }.joined(separator: "\t")
                    rejects.append(
                        Reject(
                            stage: "extract", table: schema.name, file: file, line: Int64(row.rowNumber),
                            field: failure.field, reason: failure.reason, raw: raw))
                }
            }
            if !isPausePointPassed, pending > 0 {
                // Mid-COPY, with rows in hand: where the fault tests end the session or stop the server.
                isPausePointPassed = true
                FaultInjection.pauseIfRequested(
                    at: "extract:\(schema.name)", logger: context.logger, isCancelled: context.isCancelled)
            }
            if pending >= Self.databaseProgressBatch {
                context.progress.rowsProcessed(pending)
                pending = 0
                try context.checkCancellation()
            }
            if builder.rowCount >= Self.chunkRows || builder.isFull {
                try sink.append(builder)
                builder.reset()
            }
        }
        try decoder.finish()
        if pending > 0 { context.progress.rowsProcessed(pending) }
        try sink.append(builder)
    }

    // MARK: - Tables

    static func makeTable(_ columns: [Column]) throws(PipelineError) -> Table {
        do {
            return try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "extract produced an inconsistent table", underlying: error)
        }
    }

    /// An empty table with the canonical columns of `schema`.
    static func emptyTable(_ schema: CanonicalSchema.TableSchema) throws(PipelineError) -> Table {
        var columns = schema.fields.map { ColumnBuilder(name: $0.name, type: $0.kind.columnType).build() }
        columns.append(Column(name: CanonicalSchema.lineColumn, values: .int64([])))
        return try makeTable(columns)
    }
}
