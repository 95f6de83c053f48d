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
        var table: Table
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
        // The sources are read concurrently (both cores on the two large files); results are combined in source
        // order, so the checkpoint is the same whatever the scheduling.
        let results = Mutex<[Int: Result<SourceResult, PipelineError>]>([:])
        DispatchQueue.concurrentPerform(iterations: list.count) { index in
            let (schema, source) = list[index]
            let result = Result { () throws(PipelineError) -> SourceResult in
                var rejects: [Reject] = []
                var metrics: [String: JSONValue] = [:]
                let table: Table
                if let source, schema.name == CanonicalSchema.orders.name, context.configuration.features.pushdown,
                    source.isDatabase
                {
                    // The features stage asks the source's server for the order features: nothing to copy.
                    table = try Self.emptyTable(schema)
                    metrics["source.\(schema.name)"] = .string("left in the source (features.pushdown)")
                } else if let source {
                    table = try extract(
                        source, files: files[index] ?? [], schema: schema, rejects: &rejects, metrics: &metrics)
                } else {
                    table = try Self.emptyTable(schema)
                    metrics["source.\(schema.name)"] = .string("not configured")
                }
                return SourceResult(table: table, rejects: rejects, metrics: metrics)
            }
            results.withLock { $0[index] = result }
        }
        let finished = results.withLock { $0 }
        var rejects: [Reject] = []
        var metrics: [String: JSONValue] = [:]
        var tables: [(name: String, table: Table)] = []
        for (index, (schema, _)) in list.enumerated() {
            guard let result = finished[index] else {
                throw PipelineError(.internal, "source \(schema.name) produced no result")
            }
            let read = try result.get()
            rejects.append(contentsOf: read.rejects)
            metrics.merge(read.metrics) { $1 }
            metrics["rows_extracted.\(schema.name)"] = .int(Int64(read.table.rowCount))
            metrics["rows_rejected.\(schema.name)"] = .int(Int64(read.rejects.count))
            tables.append((schema.name, read.table))
        }
        metrics["rows_rejected"] = .int(Int64(rejects.count))
        metrics["rejects_by_reason"] = RejectTable.countsByReason(rejects)
        tables.append(("rejects", RejectTable.make(rejects)))
        return StageOutput(tables: tables, metrics: metrics)
    }

    /// Reads one source; `files` are those its path or glob matches (none for a database source).
    private func extract(
        _ source: PipelineConfiguration.Source, files: [(absolute: String, display: String)],
        schema: CanonicalSchema.TableSchema, rejects: inout [Reject], metrics: inout [String: JSONValue]
    ) throws(PipelineError) -> Table {
        if source.isDatabase {
            return try extractFromDatabase(source, schema: schema, rejects: &rejects, metrics: &metrics)
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
            return try Self.emptyTable(schema)
        }
        let dialect = CSVDialect(
            delimiter: CSVDialect.delimiterByte(named: source.delimiter) ?? UInt8(ascii: ","),
            quote: source.quote.utf8.first ?? UInt8(ascii: "\""), hasHeader: source.header,
            encoding: CSVEncoding(name: source.encoding) ?? .utf8)
        var columns: [Column]?
        var bytesRead: Int64 = 0
        for file in files {
            do {
                let reader = try CSVReader(path: file.absolute, dialect: dialect)
                let progress = context.progress
                let isCancelled = context.isCancelled
                let table = try Self.read(
                    reader, source: source, file: file.display, schema: schema, rejects: &rejects,
                    parallelism: Self.parallelism
                ) { records, fileBytes in
                    progress.rowsProcessed(records)
                    progress.bytesProcessed(fileBytes)
                    if isCancelled() { throw PipelineError(.cancelled, "cancelled by signal") }
                }
                // Read in parts, the first reader saw only its part of the bytes.
                bytesRead += reader.stoppedAt == nil ? reader.bytesRead : Self.fileSize(file.absolute)
                // Each further file's rows are appended in place (no copy of what the earlier files gave).
                if var collected = columns {
                    columns = nil
                    columns = Self.appendingInPlace(&collected, table.columns)
                } else {
                    columns = table.columns
                }
            } catch let error as PipelineError {
                throw error
            } catch {
                throw PipelineError(.input, "source \(schema.name) cannot be read", underlying: error)
            }
        }
        metrics["bytes_read.\(schema.name)"] = .int(bytesRead)
        metrics["files.\(schema.name)"] = .array(files.map { .string($0.display) })
        return try Self.makeTable(columns ?? [])
    }

    // MARK: - CSV

    /// Records between progress reports and cancellation checks while reading a file.
    static let progressBatch = 65_536

    /// Parts a large file is read in at once: two, or one on a single core.
    static var parallelism: Int {
        min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Plain files at least this large are read in two parts on two cores.
    static let parallelReadMinimumBytes: Int64 = 32 << 20

    /// Where each canonical field is in a file's records.
    struct FieldLayout: Sendable {
        var positions: [Int?]
        var expectedFields: Int?
        var maximumPosition: Int
    }

    /// One part of a file read into typed columns, with its rejects (line numbers relative to the part).
    struct ReadPart: Sendable {
        var columns: [Column]
        var rejects: [Reject]
    }

    /// A reader handed to exactly one worker.
    private struct ReaderHandle: @unchecked Sendable {
        let reader: CSVReader
    }

    /// Reads every record of `reader` into a typed table of `schema`, appending unusable rows to `rejects`.
    ///
    /// With `parallelism` above 1, a large plain file is read in two parts at once: the first reader stops at the
    /// first line start past the middle, a second reader starts there, and the parts are joined in file order
    /// (the second part's line numbers shifted). If the middle line start turns out to lie inside a quoted field
    /// (the first reader stops elsewhere), the second part is discarded and read again from where the first
    /// stopped, so the result never depends on the split.
    ///
    /// `onBatch` is called with the records and file bytes read since its last call, after every
    /// ``progressBatch`` records of a part (and for the rest at the end); what it throws stops reading, which is how
    /// a cancelled run stops between chunks. It may be called from two threads at once.
    static func read(
        _ reader: CSVReader, source: PipelineConfiguration.Source, file: String, schema: CanonicalSchema.TableSchema,
        rejects: inout [Reject], parallelism: Int = 1, splitAtLeast: Int64 = parallelReadMinimumBytes,
        onBatch: @escaping @Sendable (_ records: Int, _ fileBytes: Int64) throws -> Void = { _, _ in }
    ) throws -> Table {
        let layout = try fieldLayout(reader, source: source, file: file, schema: schema)
        let fileSize = Int64((try? FileManager.default.attributesOfItem(atPath: reader.path)[.size] as? Int) ?? 0)
        let isCompressed = reader.path.hasSuffix(".gz")
        let split: Int64? =
            parallelism > 1 && !isCompressed && fileSize >= splitAtLeast
            ? CSVReader.lineStart(after: fileSize / 2, in: reader.path).flatMap { $0 < fileSize ? $0 : nil }
            : nil
        guard let split else {
            let part = try readPart(
                reader, layout: layout, source: source, file: file, schema: schema,
                expectedRows: isCompressed ? 1024 : Int(fileSize / 48) + 1024, startOffset: 0, onBatch: onBatch)
            rejects.append(contentsOf: part.rejects)
            return try makeTable(part.columns)
        }
        reader.stopOffset = split
        let head = ReaderHandle(reader: reader)
        let tail = ReaderHandle(reader: try CSVReader(continuing: reader, at: split))
        // The first part gets room for every row: the second is appended to it in place.
        var parts = try concurrently(
            { () throws(PipelineError) -> Result<ReadPart, any Error> in
                Result {
                    try readPart(
                        head.reader, layout: layout, source: source, file: file, schema: schema,
                        expectedRows: Int(fileSize / 48) + 1024, startOffset: 0, onBatch: onBatch)
                }
            },
            { () throws(PipelineError) -> Result<ReadPart, any Error> in
                Result {
                    try readPart(
                        tail.reader, layout: layout, source: source, file: file, schema: schema,
                        expectedRows: Int(fileSize / 96) + 1024, startOffset: split, onBatch: onBatch)
                }
            })
        // Take the first part out of `parts`, so its buffers are referenced once and grow in place below.
        var firstPart = try parts.0.get()
        parts.0 = .success(ReadPart(columns: [], rejects: []))
        guard let stop = reader.stoppedAt else {
            // The first reader reached the end of the input before the split: it read everything.
            rejects.append(contentsOf: firstPart.rejects)
            return try makeTable(firstPart.columns)
        }
        var secondPart: ReadPart
        if stop.offset == split {
            secondPart = try parts.1.get()
            parts.1 = .success(ReadPart(columns: [], rejects: []))
        } else {
            // The split fell inside a quoted field: read the rest from where the first part really ended.
            let rest = try CSVReader(continuing: reader, at: stop.offset)
            secondPart = try readPart(
                rest, layout: layout, source: source, file: file, schema: schema,
                expectedRows: Int(fileSize / 96) + 1024, startOffset: stop.offset, onBatch: onBatch)
        }
        shiftLines(of: &secondPart, by: Int64(stop.line - 1))
        rejects.append(contentsOf: firstPart.rejects)
        rejects.append(contentsOf: secondPart.rejects)
        return try makeTable(appendingInPlace(&firstPart.columns, secondPart.columns))
    }

    /// Where the canonical fields are, from the header (or the mapping's positions without one).
    private static func fieldLayout(
        _ reader: CSVReader, source: PipelineConfiguration.Source, file: String, schema: CanonicalSchema.TableSchema
    ) throws -> FieldLayout {
        let positions: [Int?]
        let expectedFields: Int?
        if source.header {
            let header = reader.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            positions = schema.fields.map { field in
                let name = (source.columns[field.name] ?? field.name).trimmingCharacters(in: .whitespaces).lowercased()
                return header.firstIndex(of: name)
            }
            expectedFields = reader.header.count
            let missing = zip(schema.fields, positions).filter { $0.0.isRequired && $0.1 == nil }.map {
                source.columns[$0.0.name].map { "\($0)" } ?? $0.0.name
            }
            guard missing.isEmpty else {
                throw PipelineError(
                    .configuration,
                    "\(file): missing required column(s) \(missing.joined(separator: ", ")) for \(schema.name) "
                        + "(columns found: \(reader.header.joined(separator: ", ")))")
            }
        } else {
            // Without a header: the mapping gives 1-based positions, else canonical order.
            positions = schema.fields.enumerated().map { index, field in
                source.columns.isEmpty ? index : source.columns[field.name].flatMap { Int($0) }.map { $0 - 1 }
            }
            expectedFields = source.columns.isEmpty ? schema.fields.count : nil
        }
        return FieldLayout(
            positions: positions, expectedFields: expectedFields,
            maximumPosition: positions.compactMap { $0 }.max() ?? 0)
    }

    /// Reads the records of one reader (a whole file or a part of one) into typed columns and rejects.
    private static func readPart(
        _ reader: CSVReader, layout: FieldLayout, source: PipelineConfiguration.Source, file: String,
        schema: CanonicalSchema.TableSchema, expectedRows: Int, startOffset: Int64,
        onBatch: (_ records: Int, _ fileBytes: Int64) throws -> Void
    ) throws -> ReadPart {
        var builder = TypedTableBuilder(
            schema: schema, positions: layout.positions, dateFormat: source.formats.dateFormat ?? .auto,
            decimalStyle: source.formats.decimalStyle ?? .auto, expectedRows: expectedRows)
        var rejects: [Reject] = []
        var pending = 0
        var bytesReported = startOffset
        func report() throws {
            // Bytes of the file on disk consumed so far (compressed for .gz), reported a block of rows at a time.
            let position = max(reader.fileBytesRead, bytesReported)
            try onBatch(pending, position - bytesReported)
            bytesReported = position
            pending = 0
        }
        let expectedFields = layout.expectedFields
        let maximumPosition = layout.maximumPosition
        try reader.forEachRecord { record in
            pending += 1
            if pending == Self.progressBatch { try report() }
            func reject(_ field: String, _ reason: String) {
                rejects.append(
                    Reject(
                        stage: "extract", table: schema.name, file: file, line: Int64(record.lineNumber),
                        field: field, reason: reason, raw: record.rawLineText()))
            }
            if let expectedFields, record.fieldCount != expectedFields {
                reject("", "wrong field count: expected \(expectedFields) fields, found \(record.fieldCount)")
                return
            }
            guard record.fieldCount > maximumPosition else {
                reject(
                    "", "wrong field count: expected at least \(maximumPosition + 1) fields, found \(record.fieldCount)"
                )
                return
            }
            guard record.isValidUTF8 else {
                reject("", "invalid UTF-8: the line is not valid UTF-8 (is sources.\(schema.name).encoding right?)")
                return
            }
            if let failure = builder.append(record, line: Int64(record.lineNumber)) {
                reject(failure.field, failure.reason)
            }
        }
        try report()
        return ReadPart(columns: builder.columns(), rejects: rejects)
    }

    /// `first` with the rows of `second` appended, reusing `first`'s buffers (reserved for the whole file).
    private static func appendingInPlace(_ first: inout [Column], _ second: [Column]) -> [Column] {
        var result = first
        first = []
        for index in result.indices { result[index].append(contentsOf: second[index]) }
        return result
    }

    /// Adds `offset` to the line numbers of a part read from the middle of a file.
    private static func shiftLines(of part: inout ReadPart, by offset: Int64) {
        guard offset != 0 else { return }
        for index in part.columns.indices where part.columns[index].name == CanonicalSchema.lineColumn {
            if case .int64(var lines) = part.columns[index].values {
                part.columns[index].values = .bool([])
                for row in lines.indices { lines[row] += offset }
                part.columns[index].values = .int64(lines)
            }
        }
        for index in part.rejects.indices { part.rejects[index].line += offset }
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
        _ source: PipelineConfiguration.Source, schema: CanonicalSchema.TableSchema, rejects: inout [Reject],
        metrics: inout [String: JSONValue]
    ) throws(PipelineError) -> Table {
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
                let table = try readDatabase(source, schema: schema, url: url, sql: sql, rejects: &attemptRejects)
                rejects.append(contentsOf: attemptRejects)
                metrics["retries.\(schema.name)"] = .int(Int64(attempt - 1))
                return table
            } catch let error as PipelineError {
                throw error
            } catch {
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

    /// One attempt at reading a database source with `COPY (…) TO STDOUT`; rejects go to `rejects`.
    private func readDatabase(
        _ source: PipelineConfiguration.Source, schema: CanonicalSchema.TableSchema, url: String?, sql: String,
        rejects: inout [Reject]
    ) throws -> Table {
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
        var builder = TypedTableBuilder(
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
        }
        try decoder.finish()
        if pending > 0 { context.progress.rowsProcessed(pending) }
        return try Self.makeTable(builder.columns())
    }

    // MARK: - Tables

    private static func makeTable(_ columns: [Column]) throws(PipelineError) -> Table {
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
