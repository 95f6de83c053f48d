import Columnar
import Foundation
import Synchronization

/// Reading one CSV file in parts, in bounded memory and on both cores.
///
/// A plain file is cut into parts of about ``ExtractStage/partBytes`` at line starts. The parts are parsed
/// `parallelism` at a time into typed columns and handed on in file order, so a caller that writes each part out
/// (the extract stage streams them into the checkpoint as record batches) holds only a few parts in memory however
/// large the file. A line start may lie inside a quoted field that spans lines; every part is therefore checked
/// against where the part before it really ended, and read again from there when they differ, so the rows never
/// depend on where the cuts fell. A `.gz` file is read as one stream and handed on every ``ExtractStage/chunkRows``
/// rows.
extension ExtractStage {
    /// Bytes of a plain file read as one part: the unit of parallel work and of memory held per worker.
    static let partBytes: Int64 = 8 << 20

    /// Rows handed on at a time when a file is read as one stream (a `.gz` file).
    static let chunkRows = 1 << 20

    /// The largest part accepted: far enough below ``TypedTableBuilder/defaultTextByteLimit`` that a part always
    /// fits one builder.
    static let maximumPartBytes: Int64 = 256 << 20

    /// Where each canonical field is in a file's records.
    struct FieldLayout: Sendable {
        var positions: [Int?]
        var expectedFields: Int?
        var maximumPosition: Int
    }

    /// Rows of a file read into typed columns, with their rejects; line numbers are the file's.
    ///
    /// A sink gets a part only for the duration of its call: the builder is then emptied and reused for a later
    /// part, so memory is allocated once per worker rather than once per part (unless the parts are kept, see
    /// `keepsParts`).
    struct ReadPart: Sendable {
        var rows: TypedTableBuilder
        var rejects: [Reject]
    }

    /// Builders not in use, for the next part.
    private final class BuilderPool: Sendable {
        private let free = Mutex<[TypedTableBuilder]>([])
        private let make: @Sendable () -> TypedTableBuilder

        init(_ make: @escaping @Sendable () -> TypedTableBuilder) { self.make = make }

        func take() -> TypedTableBuilder { free.withLock { $0.popLast() } ?? make() }

        func give(_ builder: TypedTableBuilder) {
            builder.reset()
            free.withLock { $0.append(builder) }
        }
    }

    /// A reader handed to exactly one worker.
    private struct ReaderHandle: @unchecked Sendable {
        let reader: CSVReader
    }

    /// One parsed part and where its reader stopped (nil: at the end of the file).
    private struct ParsedPart: Sendable {
        var part: ReadPart
        var stoppedAt: (offset: Int64, line: Int)?
    }

    /// The typed rows of a whole file held in memory as the parts they were read in (like the record batches of an
    /// Arrow table), in file order, with the rejects.
    struct ReadBatches: Sendable {
        let schema: CanonicalSchema.TableSchema
        /// One builder per part, each holding its rows as they were parsed; they are not reused.
        var parts: [TypedTableBuilder]
        var rejects: [Reject]

        /// Rows over all parts.
        var rowCount: Int { parts.reduce(0) { $0 + $1.rowCount } }

        /// The parts joined into one table of contiguous columns, each copied once from the parts' buffers, the
        /// columns spread over the cores. The parts' value storage is freed column by column on the way: the
        /// builders must not be used afterwards (their line numbers stay until they are released).
        consuming func table() throws(PipelineError) -> Table {
            guard !parts.isEmpty else { return try emptyTable(schema) }
            let parts = self.parts
            let columns = try concurrentMap(Array(0...schema.fields.count)) { index throws(PipelineError) in
                let column = TypedTableBuilder.joinedColumn(index, of: parts)
                for part in parts { part.releaseColumn(index) }
                return column
            }
            return try makeTable(columns)
        }
    }

    /// Reads every record of `reader` into typed columns held in memory, part by part (see ``ReadBatches``).
    ///
    /// The extract stage itself streams the parts into its checkpoint with
    /// ``read(_:source:file:schema:parallelism:partBytes:chunkRows:keepsParts:onBatch:into:)``.
    static func readBatches(
        _ reader: CSVReader, source: PipelineConfiguration.Source, file: String, schema: CanonicalSchema.TableSchema,
        parallelism: Int = 1, partBytes: Int64 = partBytes, chunkRows: Int = chunkRows,
        onBatch: @escaping @Sendable (_ records: Int, _ fileBytes: Int64) throws -> Void = { _, _ in }
    ) throws -> ReadBatches {
        var batches = ReadBatches(schema: schema, parts: [], rejects: [])
        try read(
            reader, source: source, file: file, schema: schema, parallelism: parallelism, partBytes: partBytes,
            chunkRows: chunkRows, keepsParts: true, onBatch: onBatch
        ) { part in
            batches.rejects.append(contentsOf: part.rejects)
            batches.parts.append(part.rows)
        }
        return batches
    }

    /// Reads every record of `reader` into a typed table of `schema`, appending unusable rows to `rejects`.
    ///
    /// The whole table is held in memory: the parts `readBatches` reads, joined into contiguous columns
    /// (``ReadBatches/table()``).
    static func read(
        _ reader: CSVReader, source: PipelineConfiguration.Source, file: String, schema: CanonicalSchema.TableSchema,
        rejects: inout [Reject], parallelism: Int = 1, partBytes: Int64 = partBytes, chunkRows: Int = chunkRows,
        onBatch: @escaping @Sendable (_ records: Int, _ fileBytes: Int64) throws -> Void = { _, _ in }
    ) throws -> Table {
        let batches = try readBatches(
            reader, source: source, file: file, schema: schema, parallelism: parallelism, partBytes: partBytes,
            chunkRows: chunkRows, onBatch: onBatch)
        rejects.append(contentsOf: batches.rejects)
        return try batches.table()
    }

    /// Reads every record of `reader`, handing the rows to `sink` part by part in file order (at least once, with
    /// no rows for a file without data).
    ///
    /// With `parallelism` above 1, that many parts of a plain file are parsed at once; a `.gz` file is handed on every
    /// `chunkRows` rows (or sooner, when a text column reaches ``TypedTableBuilder/defaultTextByteLimit``).
    ///
    /// A part's builder is emptied and reused once `sink` returns, unless `keepsParts`: then every part handed on
    /// has a builder of its own, which the sink may keep. With `codesText`, each part of a plain file has the
    /// schema's coded fields coded on the core that parsed it (``TypedTableBuilder/codeText(_:)``).
    ///
    /// `onBatch` is called with the records and file bytes read since its last call, after every
    /// ``progressBatch`` records of a part (and for the rest at the end); what it throws stops reading, which is how
    /// a cancelled run stops between chunks. It may be called from several threads at once.
    static func read(
        _ reader: CSVReader, source: PipelineConfiguration.Source, file: String, schema: CanonicalSchema.TableSchema,
        parallelism: Int = 1, partBytes: Int64 = partBytes, chunkRows: Int = chunkRows, keepsParts: Bool = false,
        codesText: Bool = false,
        onBatch: @escaping @Sendable (_ records: Int, _ fileBytes: Int64) throws -> Void = { _, _ in },
        into sink: (ReadPart) throws -> Void
    ) throws {
        // A part holds at most partBytes plus one record of text, far below the builder's text limit, so a part is
        // always handed on whole.
        let partBytes = min(max(partBytes, 1), maximumPartBytes)
        let layout = try fieldLayout(reader, source: source, file: file, schema: schema)
        @Sendable func makeBuilder(rows: Int) -> TypedTableBuilder {
            TypedTableBuilder(
                schema: schema, positions: layout.positions, dateFormat: source.formats.dateFormat ?? .auto,
                decimalStyle: source.formats.decimalStyle ?? .auto, expectedRows: rows)
        }
        guard !reader.path.hasSuffix(".gz") else {
            try readPart(
                reader, layout: layout, schema: schema, file: file, into: makeBuilder(rows: chunkRows),
                replacedBy: keepsParts ? { makeBuilder(rows: chunkRows) } : nil, startOffset: 0, chunkRows: chunkRows,
                onBatch: onBatch, onChunk: sink)
            return
        }
        let fileSize = fileSize(reader.path)
        let starts = partStarts(of: reader.path, size: fileSize, partBytes: partBytes)
        let first = ReaderHandle(reader: reader)
        let rowsPerPart = Int(min(partBytes, fileSize) / 40) + 1024
        let pool = BuilderPool { makeBuilder(rows: rowsPerPart) }
        /// Parses the part from `start` up to the next part's start; part 0 is `reader` itself (past the header).
        @Sendable func parse(_ index: Int, from start: Int64) throws -> ParsedPart {
            let partReader =
                index == 0 ? first.reader : try CSVReader(continuing: first.reader, at: start, chunkSize: 1 << 20)
            let stop = index + 1 < starts.count ? starts[index + 1] : nil
            partReader.stopOffset = stop
            // Without chunks, readPart hands the whole part on once, at the end.
            var parsed: ReadPart?
            try readPart(
                partReader, layout: layout, schema: schema, file: file, into: pool.take(), replacedBy: nil,
                startOffset: start, chunkRows: nil, onBatch: onBatch
            ) { parsed = $0 }
            guard let parsed else { throw PipelineError(.internal, "\(file): a part was read without its rows") }
            // Coded here, on the core that parsed the part, rather than by the thread writing the parts in order.
            if codesText { parsed.rows.codeText(schema.codedFields) }
            return ParsedPart(part: parsed, stoppedAt: partReader.stoppedAt)
        }
        try withoutActuallyEscaping(sink) { sink in
            let emitter = PartEmitter(starts: starts, keepsParts: keepsParts, sink: sink)
            // Each wave parses `parallelism` parts while the previous wave's parts are handed on (written out), so
            // writing overlaps parsing. With `parallelism` 1 everything runs on the calling thread.
            let width = max(1, parallelism)
            var waiting: [(index: Int, result: Result<ParsedPart, any Error>)] = []
            guard width > 1 else {
                // One core: parse and hand on one part after the other.
                for index in starts.indices {
                    try emitter.emit(
                        [(index, Result { try parse(index, from: starts[index]) })], parse: parse, pool: pool)
                }
                return
            }
            for wave in stride(from: 0, to: starts.count, by: width) {
                let indices = Array(wave..<min(wave + width, starts.count))
                let previous = waiting
                let tasks: [Int?] = indices + (previous.isEmpty ? [] : [nil])
                let outcomes = try concurrentMap(tasks) {
                    task throws(PipelineError) -> Result<ParsedPart?, any Error> in
                    guard let index = task else {
                        return Result { try emitter.emit(previous, parse: parse, pool: pool) }.map { nil }
                    }
                    return Result { try parse(index, from: starts[index]) }
                }
                if !previous.isEmpty, case .failure(let error) = outcomes[outcomes.count - 1] { throw error }
                waiting = zip(indices, outcomes).map { index, outcome in (index, outcome.map { $0! }) }
            }
            try emitter.emit(waiting, parse: parse, pool: pool)
        }
    }

    /// Hands parsed parts to the sink in file order, checking each against where the one before it really ended.
    ///
    /// Used by one task at a time (each wave's emission finishes before the next wave starts), from whichever thread
    /// runs it.
    private final class PartEmitter: @unchecked Sendable {
        let starts: [Int64]
        /// Whether the sink keeps the builders it is handed (they do not go back to the pool).
        let keepsParts: Bool
        let sink: (ReadPart) throws -> Void
        /// The true start of the next part to hand on (nil once a part ran to the end of the file).
        var expected: Int64? = 0
        /// Physical lines before `expected`.
        var linesBefore: Int64 = 0

        init(starts: [Int64], keepsParts: Bool, sink: @escaping (ReadPart) throws -> Void) {
            self.starts = starts
            self.keepsParts = keepsParts
            self.sink = sink
        }

        /// Hands on `parsed` (consecutive parts); a part whose start turns out wrong is read again through `parse`.
        /// Every builder goes back to `pool`, used or not, except those handed on when ``keepsParts``.
        func emit(
            _ parsed: [(index: Int, result: Result<ParsedPart, any Error>)], parse: (Int, Int64) throws -> ParsedPart,
            pool: BuilderPool
        ) throws {
            var kept: Set<ObjectIdentifier> = []
            defer {
                for case (_, .success(let outcome)) in parsed {
                    if !kept.contains(ObjectIdentifier(outcome.part.rows)) { pool.give(outcome.part.rows) }
                }
            }
            for (index, result) in parsed {
                guard let start = expected else { return }
                let stop = index + 1 < starts.count ? starts[index + 1] : nil
                var outcome: ParsedPart
                if start == starts[index] {
                    outcome = try result.get()
                } else if stop.map({ start < $0 }) ?? true {
                    // The cut fell inside a quoted field: read the part again from where the previous one ended.
                    outcome = try parse(index, start)
                } else {
                    continue  // the previous part ran past this whole part
                }
                shiftLines(of: &outcome.part, by: linesBefore)
                try sink(outcome.part)
                if keepsParts {
                    kept.insert(ObjectIdentifier(outcome.part.rows))
                } else if start != starts[index] {
                    pool.give(outcome.part.rows)
                }
                expected = outcome.stoppedAt?.offset
                linesBefore += Int64((outcome.stoppedAt?.line ?? 1) - 1)
            }
        }
    }

    /// Where the parts of a plain file start: 0, then the first line start after every multiple of `partBytes`.
    ///
    /// Depends only on the file, so the parts (and the record batches of the checkpoint) are the same on any machine.
    static func partStarts(of path: String, size: Int64, partBytes: Int64) -> [Int64] {
        var starts: [Int64] = [0]
        var target = partBytes
        while target < size {
            if let start = CSVReader.lineStart(after: target, in: path), start < size, start > starts[starts.count - 1]
            {
                starts.append(start)
            }
            target += partBytes
        }
        return starts
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

    /// Reads the records of one reader (a whole file or a part of one) into `builder` and rejects, handed to
    /// `onChunk` every `chunkRows` kept rows or when the builder ``TypedTableBuilder/isFull`` (the builder is then
    /// emptied for the next, or replaced by a new one from `replacedBy`) and once more for the rest, so at least
    /// once. With `chunkRows` nil the reader is one part of at most ``maximumPartBytes``, which cannot reach the
    /// builder's text limit: it is handed on exactly once, and no row pays for the checks.
    private static func readPart(
        _ reader: CSVReader, layout: FieldLayout, schema: CanonicalSchema.TableSchema, file: String,
        into builder: TypedTableBuilder, replacedBy makeBuilder: (() -> TypedTableBuilder)?, startOffset: Int64,
        chunkRows: Int?,
        onBatch: (_ records: Int, _ fileBytes: Int64) throws -> Void, onChunk: (ReadPart) throws -> Void
    ) throws {
        var rejects: [Reject] = []
        var pending = 0
        var bytesReported = startOffset
        func report() throws {
            // Bytes of the file on disk consumed so far (compressed for .gz), reported a block of rows at a time; a
            // part's reader reads ahead past its end, and those bytes are the next part's to report.
            let position = min(max(reader.fileBytesRead, bytesReported), reader.stopOffset ?? .max)
            try onBatch(pending, position - bytesReported)
            bytesReported = position
            pending = 0
        }
        let expectedFields = layout.expectedFields
        let maximumPosition = layout.maximumPosition
        var builder = builder
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
            } else if let chunkRows, builder.rowCount >= chunkRows || builder.isFull {
                try onChunk(ReadPart(rows: builder, rejects: rejects))
                if let makeBuilder { builder = makeBuilder() } else { builder.reset() }
                rejects = []
            }
        }
        try report()
        try onChunk(ReadPart(rows: builder, rejects: rejects))
    }

    /// The columns of `pieces` (parts of one table, in order) joined into one set; `pieces` is emptied on the way.
    static func concatenating(_ pieces: inout [[Column]]) -> [Column] {
        guard let first = pieces.first else { return [] }
        var result: [Column] = []
        for index in first.indices {
            var column = pieces.indices.map { pieces[$0][index] }
            for piece in pieces.indices { pieces[piece][index] = Column(name: "", values: .bool([])) }
            result.append(Column.concatenating(&column))
        }
        pieces = []
        return result
    }

    /// Adds `offset` to the line numbers of a part read from the middle of a file.
    private static func shiftLines(of part: inout ReadPart, by offset: Int64) {
        guard offset != 0 else { return }
        part.rows.shiftLines(by: offset)
        for index in part.rejects.indices { part.rejects[index].line += offset }
    }
}
