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
    /// The coded text columns of the file (by column index), decided on the first part with rows: the schema's
    /// ``CanonicalSchema/TableSchema/codedFields`` whose first part held at most ``distinctLimit(rows:)``
    /// distinct values (a column that starts id-like stays plain text).
    private var codings: [Int: TextCoding]?

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

    /// Whether the parts handed to this sink are best coded (``TypedTableBuilder/codeText(_:)``) as they are
    /// parsed: when they are streamed into a file, and the schema has text columns to code.
    var codesText: Bool { open != nil && !schema.codedFields.isEmpty }

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
            try builder.withBatchColumns { views in
                var views = views
                // A part without rows writes no batch: the decision waits for the first rows.
                let codings = self.codings ?? (builder.rowCount == 0 ? [:] : decideCodings(builder, views))
                for (index, coding) in codings {
                    guard case .compactUTF8(let offsets, let bytes) = views[index].values else { continue }
                    let codes =
                        if let local = builder.textCodes[index] {
                            coding.recode(local)
                        } else {
                            coding.code(offsets, bytes, validity: views[index].validity, rowCount: builder.rowCount)
                        }
                    views[index].values = .dictionary(codes: codes, dictionary: coding.dictionary)
                }
                try writer.append(rowCount: builder.rowCount, columns: views)
            }
        } catch {
            throw PipelineError(.io, "cannot write checkpoint table \(name)", underlying: error)
        }
    }

    /// The most distinct values a coded field's first part (of `rows` rows) may hold for the field to be coded: a
    /// dictionary grows with every new value and cannot turn back into plain text, so a field whose first part
    /// has more than one distinct value in eight rows (beyond a few dozen) is kept plain.
    static func distinctLimit(rows: Int) -> Int {
        min(RepeatedTextCoder.distinctLimit, max(64, rows / 8))
    }

    /// Decides which of the schema's coded fields are coded in the file, from the first part (`builder`, whose
    /// columns are `views`).
    private func decideCodings(_ builder: TypedTableBuilder, _ views: [BatchColumn]) -> [Int: TextCoding] {
        var codings: [Int: TextCoding] = [:]
        for (index, field) in schema.fields.enumerated() where schema.codedFields.contains(field.name) {
            guard case .compactUTF8(let offsets, let bytes) = views[index].values else { continue }
            // A part coded as it was parsed gives its count; otherwise the part is coded here, and coding it again
            // when it is written finds every value known.
            let coding = TextCoding()
            let distinct: Int
            if let local = builder.textCodes[index] {
                distinct = local.values.count
            } else {
                _ = coding.code(offsets, bytes, validity: views[index].validity, rowCount: builder.rowCount)
                distinct = coding.dictionary.count
            }
            if distinct <= Self.distinctLimit(rows: builder.rowCount) { codings[index] = coding }
        }
        self.codings = codings
        return codings
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
        codings = nil
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

/// One dictionary-encoded text column of a file extract writes: its distinct values so far, in order of first
/// appearance (each part's dictionary extends the one before), and the codes of the part being written.
private final class TextCoding {
    private let interner = StringInterner(capacity: 64)
    /// The values coded so far, by code.
    private(set) var dictionary = StringColumn()
    private var codes: UnsafeMutablePointer<Int32>
    private var capacity: Int

    init() {
        capacity = 1 << 16
        codes = .allocate(capacity: capacity)
    }

    deinit {
        codes.deallocate()
    }

    private func reserve(_ rowCount: Int) {
        guard rowCount > capacity else { return }
        codes.deallocate()
        capacity = max(rowCount, 2 * capacity)
        codes = .allocate(capacity: capacity)
    }

    /// The code of every row of a part's text column (-1 for a null one), valid until the next call; values not
    /// seen before join the dictionary.
    func code(
        _ offsets: UnsafeBufferPointer<Int32>, _ bytes: UnsafeRawBufferPointer, validity: UnsafeBufferPointer<Bool>?,
        rowCount: Int
    ) -> UnsafeBufferPointer<Int32> {
        reserve(rowCount)
        TextCodes.code(
            offsets, bytes, validity: validity, rowCount: rowCount, interner: interner, values: &dictionary,
            into: codes)
        return UnsafeBufferPointer(start: codes, count: rowCount)
    }

    /// The same from a part's own coding (its codes over its distinct values, found while it was parsed): each of
    /// its values is looked up once here, then every row's code is mapped.
    func recode(_ local: TextCodes) -> UnsafeBufferPointer<Int32> {
        reserve(local.codes.count)
        let global = (0..<local.values.count).map { ordinal in
            local.values.withUTF8(at: ordinal) { value -> Int32 in
                let (code, inserted) = interner.insert(value)
                if inserted { dictionary.append(utf8: value) }
                return Int32(truncatingIfNeeded: code)
            }
        }
        local.codes.withUnsafeBufferPointer { localCodes in
            global.withUnsafeBufferPointer { global in
                for row in 0..<localCodes.count {
                    let code = localCodes[row]
                    codes[row] = code < 0 ? -1 : global[Int(code)]
                }
            }
        }
        return UnsafeBufferPointer(start: codes, count: local.codes.count)
    }
}

/// A text column of one part coded over its own distinct values: a code per row (-1 for a null one) and the values
/// in order of first appearance.
struct TextCodes: Sendable {
    var codes: [Int32]
    var values: StringColumn

    /// Codes the rows of a text column stored as `offsets` and `bytes` (`validity` nil when none is null) into
    /// `codes`, with `interner` and `values` holding the values coded so far (new ones are added to both). Values
    /// of up to 15 bytes are first looked up in a 256-entry cache of their packed words: a column of a hundred or
    /// so values hits it on almost every row, without a call into the table.
    static func code(
        _ offsets: UnsafeBufferPointer<Int32>, _ bytes: UnsafeRawBufferPointer, validity: UnsafeBufferPointer<Bool>?,
        rowCount: Int, interner: StringInterner, values: inout StringColumn, into codes: UnsafeMutablePointer<Int32>
    ) {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            // No text at all: every row is null or empty.
            let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            for row in 0..<rowCount {
                if let validity, !validity[row] {
                    codes[row] = -1
                    continue
                }
                let (ordinal, inserted) = interner.insert(empty)
                if inserted { values.append(utf8: empty) }
                codes[row] = Int32(truncatingIfNeeded: ordinal)
            }
            return
        }
        let cacheSize = 256
        // A high word of all ones is no short key's (its length byte would be 255): an empty entry.
        var cachedLow = [UInt64](repeating: 0, count: cacheSize)
        var cachedHigh = [UInt64](repeating: .max, count: cacheSize)
        var cachedCode = [Int32](repeating: -1, count: cacheSize)
        for row in 0..<rowCount {
            if let validity, !validity[row] {
                codes[row] = -1
                continue
            }
            let start = Int(offsets[row])
            let length = Int(offsets[row + 1]) - start
            let value = UnsafeBufferPointer(start: base + start, count: length)
            guard let (low, high) = StringInterner.shortKey(value) else {
                let (ordinal, inserted) = interner.insert(value)
                if inserted { values.append(utf8: value) }
                codes[row] = Int32(truncatingIfNeeded: ordinal)
                continue
            }
            let slot = Int(truncatingIfNeeded: (((low &* 0x9E37_79B9_7F4A_7C15) ^ high) &* 0xC2B2_AE3D_27D4_EB4F) >> 56)
            if cachedLow[slot] == low, cachedHigh[slot] == high {
                codes[row] = cachedCode[slot]
                continue
            }
            let (ordinal, inserted) = interner.insert(value)
            if inserted { values.append(utf8: value) }
            let code = Int32(truncatingIfNeeded: ordinal)
            (cachedLow[slot], cachedHigh[slot], cachedCode[slot]) = (low, high, code)
            codes[row] = code
        }
    }
}
