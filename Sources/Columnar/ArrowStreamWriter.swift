#if _endian(big)
    #error("Arrow files are written in the host byte order, which must be little-endian")
#endif

/// Writes an Arrow IPC file (the "Feather v2" format, uncompressed, metadata version V5) one record batch at a
/// time, so a table far larger than memory can be written while it is produced.
///
/// The schema is fixed when the writer is created. Each ``append(_:)`` writes the rows it is given as record
/// batches of at most `batchRowCount` rows; ``finish()`` writes the footer and commits the file crash-safely
/// through `AtomicFileWriter`. Until then the file exists only under a temporary name, and a writer that is
/// abandoned (or released without `finish()`) leaves nothing behind.
///
/// A `utf8` column not named in `largeUTF8Columns` gets 32-bit offsets: a batch whose text would exceed 2 GiB is
/// split into smaller batches. The layout of every batch is that of ``ArrowFileWriter``, which writes through
/// this type.
///
/// A text column appended as ``DictionaryColumn`` values is written dictionary-encoded (int32 indices, utf8
/// values): whether a column is coded is taken from the first batch, so the schema is written with it, and every
/// later batch must code that column too, against the same dictionary or one that extends it (starts with its
/// strings). The last dictionary is written once, as a dictionary batch after the record batches, and listed in
/// the footer, where Arrow's file readers (pyarrow, Polars, DuckDB) look for it.
///
/// ```swift
/// let writer = try ArrowStreamWriter(path: "orders.arrow", columns: [("id", .utf8), ("amount", .float64)])
/// for chunk in chunks { try writer.append(chunk) }
/// let written = try writer.finish()
/// ```
public final class ArrowStreamWriter {
    /// The final path of the file.
    public var path: String { output.path }
    /// Rows written so far.
    public private(set) var rowCount = 0
    /// Record batches written so far.
    public var batchCount: Int { blocks.count }

    private let output: AtomicFileWriter
    private var fields: [ArrowFormat.FieldLayout]
    /// Whether the schema message is written (with the first batch, or by `finish()`).
    private var schemaWritten = false
    /// The dictionary of each dictionary-encoded column, by field index, as of the last batch.
    private var dictionaries: [Int: StringColumn] = [:]
    private var dictionaryBlocks: [Block] = []
    private let metadata: [String: String]
    private let batchRowCount: Int
    private var position = 0
    private var blocks: [Block] = []
    private var scratch: [UInt8] = []

    private struct Block {
        var offset: Int
        var metadataLength: Int
        var bodyLength: Int
    }

    /// The buffers and node of one column within one batch.
    private struct ChunkPlan {
        var nullCount: Int
        var bufferLengths: [Int]
    }

    /// Creates the file (under a temporary name) and writes its schema.
    ///
    /// - Parameters:
    ///   - columns: names and types of the columns, in order; every table appended must have exactly these.
    ///   - metadata: the schema's custom metadata.
    ///   - largeUTF8Columns: `utf8` columns written with 64-bit offsets (`large_utf8`).
    ///   - batchRowCount: the most rows in one record batch.
    ///   - checksum: the algorithm of the checksum ``finish()`` returns.
    ///   - fillsInParallel: large buffers are copied into the file on two threads (see ``AtomicFileWriter``); for a
    ///     file written while nothing else runs.
    public init(
        path: String, columns: [(name: String, type: ColumnType)], metadata: [String: String] = [:],
        largeUTF8Columns: Set<String> = [], batchRowCount: Int = ArrowFileWriter.defaultBatchRowCount,
        checksum: ChecksumAlgorithm = .xxh64, fillsInParallel: Bool = false
    ) throws(ColumnarError) {
        precondition(batchRowCount > 0, "batchRowCount must be positive")
        fields = columns.map { column in
            var field = ArrowFormat.FieldLayout(name: column.name, type: column.type)
            field.isLarge = column.type == .utf8 && largeUTF8Columns.contains(column.name)
            return field
        }
        self.metadata = metadata
        self.batchRowCount = batchRowCount
        output = try AtomicFileWriter(path: path, checksum: checksum, fillsInParallel: fillsInParallel)
        do throws(ColumnarError) {
            try output.write(ArrowFormat.magic + [0, 0])
            position = 8
        } catch {
            output.abandon()
            throw error
        }
    }

    /// Writes the schema, with the columns coded in `columns` (the first batch) as dictionary-encoded.
    private func writeSchema(codedAs columns: [BatchColumn]?) throws(ColumnarError) {
        for (index, column) in (columns ?? []).enumerated() {
            if case .dictionary = column.values {
                fields[index].dictionaryID = Int64(index)
                fields[index].isLarge = false  // the values are the dictionary's, written with 32-bit offsets
            }
        }
        let schema = ArrowFormat.message(headerType: ArrowFormat.MessageHeader.schema, bodyLength: 0) { builder in
            ArrowFormat.buildSchema(&builder, fields: fields, metadata: metadata)
        }
        position += try writeMessage(schema, at: position, into: output)
        schemaWritten = true
    }

    /// Checks that each column is coded as its field is (plain, or against a dictionary extending the last one) and
    /// keeps the dictionaries.
    private func trackDictionaries(_ columns: [BatchColumn]) throws(ColumnarError) {
        for (index, column) in columns.enumerated() {
            let isCoded = fields[index].dictionaryID != nil
            guard case .dictionary(_, let dictionary) = column.values else {
                if isCoded {
                    throw ColumnarError(
                        .schemaMismatch,
                        "column \"\(fields[index].name)\" is dictionary-encoded in the file but appended as plain text",
                        path: output.path)
                }
                continue
            }
            guard isCoded else {
                throw ColumnarError(
                    .schemaMismatch,
                    "column \"\(fields[index].name)\" is plain in the file but appended dictionary-encoded",
                    path: output.path)
            }
            guard dictionary.bytes.count <= Int(Int32.max) else {
                throw ColumnarError(
                    .schemaMismatch, "column \"\(fields[index].name)\": a dictionary of over 2 GiB", path: output.path)
            }
            if let previous = dictionaries[index], !dictionary.hasPrefix(previous) {
                throw ColumnarError(
                    .schemaMismatch,
                    "column \"\(fields[index].name)\": a batch is coded against a dictionary that does not extend "
                        + "the previous batches' one", path: output.path)
            }
            dictionaries[index] = dictionary
        }
    }

    /// Appends every row of `table` (columns as given at creation, by name and type, in order).
    public func append(_ table: Table) throws(ColumnarError) {
        guard table.columns.count == fields.count,
            zip(table.columns, fields).allSatisfy({ $0.name == $1.name && $0.type == $1.type })
        else {
            throw ColumnarError(
                .schemaMismatch,
                "appended columns (\(table.columns.map(\.name).joined(separator: ", "))) differ from the file's "
                    + "(\(fields.map(\.name).joined(separator: ", ")))", path: output.path)
        }
        try Self.withBatchColumns(table.columns[...], []) { columns throws(ColumnarError) in
            try append(rowCount: table.rowCount, columns: columns)
        }
    }

    /// Appends `rowCount` rows given as raw buffers, one ``BatchColumn`` per column of the file, in order.
    ///
    /// For producers that build columns in their own buffers: the values are written straight from them.
    public func append(rowCount: Int, columns: [BatchColumn]) throws(ColumnarError) {
        guard columns.count == fields.count else {
            throw ColumnarError(
                .schemaMismatch, "\(columns.count) columns appended to a file of \(fields.count)", path: output.path)
        }
        // The buffers are read without bounds checks below: each must fit its field's type and hold every row.
        for (column, field) in zip(columns, fields) {
            if let problem = Self.shapeProblem(column, of: field.type, rowCount: rowCount) {
                throw ColumnarError(.schemaMismatch, "column \"\(field.name)\": \(problem)", path: output.path)
            }
        }
        var start = 0
        while start < rowCount {
            var end = min(rowCount, start + batchRowCount)
            // Text columns with 32-bit offsets: fewer rows until every column's text fits.
            while end - start > 1, !fitsInt32Offsets(columns, start..<end) { end = start + (end - start) / 2 }
            try writeBatch(columns, range: start..<end)
            start = end
        }
    }

    /// Why `column` cannot hold `rowCount` rows of `type`, or nil when it can.
    private static func shapeProblem(_ column: BatchColumn, of type: ColumnType, rowCount: Int) -> String? {
        if let validity = column.validity, validity.count < rowCount {
            return "\(validity.count) validity flags for \(rowCount) rows"
        }
        switch (column.values, type) {
        case (.fixed(let raw, let width), .int64), (.fixed(let raw, let width), .float64),
            (.fixed(let raw, let width), .timestamp), (.fixed(let raw, let width), .date32):
            let expected = type == .date32 ? 4 : 8
            guard width == expected else { return "\(width)-byte values for a \(type) column" }
            return raw.count >= rowCount * width ? nil : "\(raw.count) bytes for \(rowCount) values"
        case (.bool(let flags), .bool):
            return flags.count >= rowCount ? nil : "\(flags.count) values for \(rowCount) rows"
        case (.utf8(let offsets, let bytes), .utf8):
            guard offsets.count > rowCount else { return "\(offsets.count) offsets for \(rowCount) rows" }
            return offsets[0] >= 0 && offsets[rowCount] <= bytes.count ? nil : "offsets outside the text bytes"
        case (.compactUTF8(let offsets, let bytes), .utf8):
            guard offsets.count > rowCount else { return "\(offsets.count) offsets for \(rowCount) rows" }
            return offsets[0] >= 0 && Int(offsets[rowCount]) <= bytes.count ? nil : "offsets outside the text bytes"
        case (.dictionary(let codes, let dictionary), .utf8):
            guard codes.count >= rowCount else { return "\(codes.count) codes for \(rowCount) rows" }
            guard dictionary.bytes.count <= Int(Int32.max) else { return "a dictionary of over 2 GiB" }
            return DictionaryColumn.codesFit(UnsafeBufferPointer(rebasing: codes[0..<rowCount]),
                dictionaryCount: dictionary.count) ? nil : "a code outside the dictionary"
        default:
            return "values of another kind than a \(type) column holds"
        }
    }

    /// Writes the footer and commits the file; returns its size and checksum.
    ///
    /// A file without any batch gets one empty batch, as ``ArrowFileWriter`` writes for an empty table.
    public func finish() throws(ColumnarError) -> WrittenFile {
        do throws(ColumnarError) {
            if !schemaWritten { try writeSchema(codedAs: nil) }
            if blocks.isEmpty {
                let empty = try Table(columns: fields.map { Column(name: $0.name, values: Self.emptyValues($0.type)) })
                try writeBatch(empty, range: 0..<0)
            }
            try writeFooter()
        } catch {
            output.abandon()
            throw error
        }
        let byteCount = output.byteCount
        let checksum = try output.commit()
        return WrittenFile(
            path: output.path, byteCount: byteCount, checksum: checksum, rowCount: rowCount, batchCount: blocks.count)
    }

    /// Removes the temporary file; the final path is left as it was.
    public func abandon() {
        output.abandon()
    }

    private static func emptyValues(_ type: ColumnType) -> ColumnValues {
        switch type {
        case .int64: .int64([])
        case .float64: .float64([])
        case .utf8: .utf8(StringColumn())
        case .date32: .date32([])
        case .timestamp: .timestamp([])
        case .bool: .bool([])
        }
    }

    private func fitsInt32Offsets(_ columns: [BatchColumn], _ range: Range<Int>) -> Bool {
        for (index, column) in columns.enumerated() where !fields[index].isLarge {
            if case .utf8(let offsets, _) = column.values,
                offsets[range.upperBound] - offsets[range.lowerBound] > Int(Int32.max)
            {
                return false
            }
        }
        return true
    }

    /// Calls `body` with raw views of `columns` (prefixed by `views`), valid during the call.
    private static func withBatchColumns(
        _ columns: ArraySlice<Column>, _ views: [BatchColumn],
        _ body: ([BatchColumn]) throws(ColumnarError) -> Void
    ) throws(ColumnarError) {
        guard let column = columns.first else { return try body(views) }
        let rest = columns.dropFirst()
        func next(_ values: BatchColumn.Values, _ validity: UnsafeBufferPointer<Bool>?) throws(ColumnarError) {
            try withBatchColumns(rest, views + [BatchColumn(values: values, validity: validity)], body)
        }
        func withValidity(_ body: (UnsafeBufferPointer<Bool>?) throws(ColumnarError) -> Void) throws(ColumnarError) {
            guard let validity = column.validity else { return try body(nil) }
            let result = validity.withUnsafeBufferPointer { flags in
                Result { () throws(ColumnarError) in try body(flags) }
            }
            try result.get()
        }
        func fixed<T>(_ values: [T]) throws(ColumnarError) {
            let result = values.withUnsafeBytes { raw in
                Result { () throws(ColumnarError) in
                    try withValidity { flags throws(ColumnarError) in
                        try next(.fixed(raw, width: MemoryLayout<T>.stride), flags)
                    }
                }
            }
            try result.get()
        }
        switch column.values {
        case .int64(let values), .timestamp(let values): try fixed(values)
        case .float64(let values): try fixed(values)
        case .date32(let values): try fixed(values)
        case .bool(let values):
            let result = values.withUnsafeBufferPointer { flags in
                Result { () throws(ColumnarError) in
                    try withValidity { validity throws(ColumnarError) in try next(.bool(flags), validity) }
                }
            }
            try result.get()
        case .dictionary(let coded):
            let result = coded.codes.withUnsafeBufferPointer { codes in
                Result { () throws(ColumnarError) in
                    try withValidity { validity throws(ColumnarError) in
                        try next(.dictionary(codes: codes, dictionary: coded.dictionary), validity)
                    }
                }
            }
            try result.get()
        case .utf8(let strings):
            let result = strings.offsets.withUnsafeBufferPointer { offsets in
                strings.bytes.withUnsafeBytes { bytes in
                    Result { () throws(ColumnarError) in
                        try withValidity { validity throws(ColumnarError) in
                            try next(.utf8(offsets: offsets, bytes: bytes), validity)
                        }
                    }
                }
            }
            try result.get()
        }
    }

    /// Writes `table`'s rows in `range` as one record batch.
    func writeBatch(_ table: Table, range: Range<Int>) throws(ColumnarError) {
        try Self.withBatchColumns(table.columns[...], []) { columns throws(ColumnarError) in
            try writeBatch(columns, range: range)
        }
    }

    /// Writes the rows in `range` of `columns` as one record batch.
    private func writeBatch(_ columns: [BatchColumn], range: Range<Int>) throws(ColumnarError) {
        if !schemaWritten { try writeSchema(codedAs: columns) }
        try trackDictionaries(columns)
        for (index, column) in columns.enumerated() {
            guard case .dictionary(let codes, _) = column.values else { continue }
            for row in range where codes[row] < 0 && (column.validity?[row] ?? true) {
                throw ColumnarError(
                    .schemaMismatch, "column \"\(fields[index].name)\": row \(row) has no code but is not null",
                    path: output.path)
            }
        }
        let plans = columns.enumerated().map { index, column in
            plan(column, range: range, isLarge: fields[index].isLarge)
        }
        let alignment = ArrowFormat.bufferAlignment
        var bufferSpans: [(offset: Int, length: Int)] = []
        var bodyLength = 0
        for plan in plans {
            for length in plan.bufferLengths {
                bufferSpans.append((bodyLength, length))
                bodyLength += ArrowFormat.aligned(length, to: alignment)
            }
        }
        let metadata = ArrowFormat.message(
            headerType: ArrowFormat.MessageHeader.recordBatch, bodyLength: bodyLength
        ) { builder in
            let nodes = builder.createStructVector(count: plans.count, stride: 16, alignment: 8) { builder, index in
                builder.push(Int64(plans[index].nullCount))
                builder.push(Int64(range.count))
            }
            let buffers = builder.createStructVector(count: bufferSpans.count, stride: 16, alignment: 8) {
                builder, index in
                builder.push(Int64(bufferSpans[index].length))
                builder.push(Int64(bufferSpans[index].offset))
            }
            builder.startTable()
            builder.add(ArrowFormat.RecordBatch.length, Int64(range.count))
            builder.addOffset(ArrowFormat.RecordBatch.nodes, nodes)
            builder.addOffset(ArrowFormat.RecordBatch.buffers, buffers)
            return builder.endTable()
        }
        let metadataLength = try writeMessage(metadata, at: position, into: output)
        let bodyStart = output.byteCount
        for (index, column) in columns.enumerated() {
            try writeBuffers(column, range: range, plan: plans[index], isLarge: fields[index].isLarge)
        }
        assert(output.byteCount - bodyStart == bodyLength, "body length differs from its plan")
        blocks.append(Block(offset: position, metadataLength: metadataLength, bodyLength: bodyLength))
        position += metadataLength + bodyLength
        rowCount += range.count
    }

    private func writeFooter() throws(ColumnarError) {
        for index in dictionaries.keys.sorted() {
            try writeDictionary(dictionaries[index]!, id: fields[index].dictionaryID ?? Int64(index))
        }
        // End-of-stream marker: without dictionaries, the part before the footer is also a valid Arrow stream.
        try output.write([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])

        var builder = FlatBufferBuilder()
        let footerSchema = ArrowFormat.buildSchema(&builder, fields: fields, metadata: metadata)
        /// A vector of `Block` structs (offset, metadata length, padding, body length; built back to front).
        func blockVector(_ blocks: [Block]) -> FlatBufferBuilder.Offset {
            builder.createStructVector(count: blocks.count, stride: 24, alignment: 8) { builder, index in
                builder.push(Int64(blocks[index].bodyLength))
                builder.pad(4)
                builder.push(Int32(blocks[index].metadataLength))
                builder.push(Int64(blocks[index].offset))
            }
        }
        let dictionaries = blockVector(dictionaryBlocks)
        let recordBatches = blockVector(blocks)
        builder.startTable()
        builder.addOffset(ArrowFormat.Footer.schema, footerSchema)
        builder.addOffset(ArrowFormat.Footer.dictionaries, dictionaries)
        builder.addOffset(ArrowFormat.Footer.recordBatches, recordBatches)
        builder.add(ArrowFormat.Footer.version, ArrowFormat.metadataVersion)
        let footer = builder.finish(root: builder.endTable())
        try output.write(footer)
        try output.write(Self.littleEndianBytes(Int32(footer.count)))
        try output.write(ArrowFormat.magic)
    }

    /// Writes `strings` as the dictionary batch `id` (one utf8 column, no nulls); an empty dictionary is written as
    /// one empty string, so the 0 written under null slots is a valid index.
    private func writeDictionary(_ strings: StringColumn, id: Int64) throws(ColumnarError) {
        let strings = strings.count == 0 ? StringColumn([""]) : strings
        let count = strings.count
        let byteLength = strings.offsets[count]
        let offsetsLength = (count + 1) * 4
        let bodyLength =
            ArrowFormat.aligned(offsetsLength, to: ArrowFormat.bufferAlignment)
            + ArrowFormat.aligned(byteLength, to: ArrowFormat.bufferAlignment)
        let spans = [(0, 0), (0, offsetsLength), (ArrowFormat.aligned(offsetsLength, to: ArrowFormat.bufferAlignment),
            byteLength)]
        let metadata = ArrowFormat.message(
            headerType: ArrowFormat.MessageHeader.dictionaryBatch, bodyLength: bodyLength
        ) { builder in
            let nodes = builder.createStructVector(count: 1, stride: 16, alignment: 8) { builder, _ in
                builder.push(Int64(0))
                builder.push(Int64(count))
            }
            let buffers = builder.createStructVector(count: spans.count, stride: 16, alignment: 8) { builder, index in
                builder.push(Int64(spans[index].1))
                builder.push(Int64(spans[index].0))
            }
            builder.startTable()
            builder.add(ArrowFormat.RecordBatch.length, Int64(count))
            builder.addOffset(ArrowFormat.RecordBatch.nodes, nodes)
            builder.addOffset(ArrowFormat.RecordBatch.buffers, buffers)
            let data = builder.endTable()
            builder.startTable()
            builder.add(ArrowFormat.DictionaryBatch.id, id)
            builder.addOffset(ArrowFormat.DictionaryBatch.data, data)
            builder.add(ArrowFormat.DictionaryBatch.isDelta, bool: false)
            return builder.endTable()
        }
        let metadataLength = try writeMessage(metadata, at: position, into: output)
        let result = strings.offsets.withUnsafeBufferPointer { offsets in
            strings.bytes.withUnsafeBytes { bytes in
                Result { () throws(ColumnarError) in
                    Self.rebasedOffsets(offsets, range: 0..<count, isLarge: false, into: &scratch)
                    try writePadded(scratch)
                    try writePadded(UnsafeRawBufferPointer(rebasing: bytes[0..<byteLength]))
                }
            }
        }
        try result.get()
        dictionaryBlocks.append(Block(offset: position, metadataLength: metadataLength, bodyLength: bodyLength))
        position += metadataLength + bodyLength
    }

    /// Writes an encapsulated message's metadata, padded so the body starts on a 64-byte boundary,
    /// and returns the bytes written.
    private func writeMessage(
        _ metadata: [UInt8], at position: Int, into output: AtomicFileWriter
    ) throws(ColumnarError) -> Int {
        let total = ArrowFormat.aligned(position + 8 + metadata.count, to: ArrowFormat.bufferAlignment) - position
        try output.write(Self.littleEndianBytes(ArrowFormat.continuation))
        try output.write(Self.littleEndianBytes(Int32(total - 8)))
        try output.write(metadata)
        try output.writeZeros(total - 8 - metadata.count)
        return total
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// Buffer lengths and null count of `column` restricted to `range`.
    private func plan(_ column: BatchColumn, range: Range<Int>, isLarge: Bool) -> ChunkPlan {
        let nullCount = column.validity.map { range.count - Self.trueCount($0, range: range) } ?? 0
        let count = range.count
        let validityLength = nullCount > 0 ? (count + 7) / 8 : 0
        switch column.values {
        case .fixed(_, let width):
            return ChunkPlan(nullCount: nullCount, bufferLengths: [validityLength, count * width])
        case .bool:
            return ChunkPlan(nullCount: nullCount, bufferLengths: [validityLength, (count + 7) / 8])
        case .utf8(let offsets, _):
            let byteLength = offsets[range.upperBound] - offsets[range.lowerBound]
            let offsetsLength = (count + 1) * (isLarge ? 8 : 4)
            return ChunkPlan(nullCount: nullCount, bufferLengths: [validityLength, offsetsLength, byteLength])
        case .compactUTF8(let offsets, _):
            let byteLength = Int(offsets[range.upperBound]) - Int(offsets[range.lowerBound])
            let offsetsLength = (count + 1) * (isLarge ? 8 : 4)
            return ChunkPlan(nullCount: nullCount, bufferLengths: [validityLength, offsetsLength, byteLength])
        case .dictionary:
            return ChunkPlan(nullCount: nullCount, bufferLengths: [validityLength, count * 4])
        }
    }

    /// Writes the buffers of `column` restricted to `range`, each padded to the buffer alignment.
    private func writeBuffers(_ column: BatchColumn, range: Range<Int>, plan: ChunkPlan, isLarge: Bool)
        throws(ColumnarError)
    {
        if plan.nullCount > 0, let validity = column.validity {
            Self.packBits(validity, range: range, into: &scratch)
            try writePadded(scratch)
        } else {
            try writePadded([])
        }
        switch column.values {
        case .fixed(let values, let width):
            try writePadded(
                UnsafeRawBufferPointer(rebasing: values[(range.lowerBound * width)..<(range.upperBound * width)]))
        case .bool(let values):
            Self.packBits(values, range: range, into: &scratch)
            try writePadded(scratch)
        case .utf8(let offsets, let bytes):
            Self.rebasedOffsets(offsets, range: range, isLarge: isLarge, into: &scratch)
            try writePadded(scratch)
            try writePadded(
                UnsafeRawBufferPointer(rebasing: bytes[offsets[range.lowerBound]..<offsets[range.upperBound]]))
        case .compactUTF8(let offsets, let bytes):
            if !isLarge && offsets[range.lowerBound] == 0 {
                // Already the file's layout: written as they are.
                let used = UnsafeBufferPointer(rebasing: offsets[range.lowerBound...range.upperBound])
                try writePadded(UnsafeRawBufferPointer(used))
            } else {
                Self.rebasedOffsets(offsets, range: range, isLarge: isLarge, into: &scratch)
                try writePadded(scratch)
            }
            try writePadded(
                UnsafeRawBufferPointer(
                    rebasing: bytes[Int(offsets[range.lowerBound])..<Int(offsets[range.upperBound])]))
        case .dictionary(let codes, _):
            let rows = UnsafeBufferPointer(rebasing: codes[range])
            if !rows.contains(where: { $0 < 0 }) {
                try writePadded(UnsafeRawBufferPointer(rows))
            } else {
                // Null slots hold -1 in memory; in the file they get 0, which every reader accepts (Polars checks
                // the indices of null slots too). The dictionary of such a column is never empty (see
                // `writeDictionary`).
                scratch.removeAll(keepingCapacity: true)
                scratch.reserveCapacity(rows.count * 4)
                for code in rows { withUnsafeBytes(of: max(code, 0).littleEndian) { scratch.append(contentsOf: $0) } }
                try writePadded(scratch)
            }
        }
    }

    private func writePadded(_ bytes: UnsafeRawBufferPointer) throws(ColumnarError) {
        try output.write(bytes)
        try output.writeZeros(ArrowFormat.aligned(bytes.count, to: ArrowFormat.bufferAlignment) - bytes.count)
    }

    private func writePadded(_ bytes: [UInt8]) throws(ColumnarError) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(ColumnarError) in try writePadded(raw) } }
        try result.get()
    }

    /// Packs `flags[range]` into an LSB-first bitmap in `bytes`.
    static func packBits(_ flags: UnsafeBufferPointer<Bool>, range: Range<Int>, into bytes: inout [UInt8]) {
        let count = range.count
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: repeatElement(0, count: (count + 7) / 8))
        guard count > 0, let base = flags.baseAddress else { return }
        let first = UnsafeRawPointer(base + range.lowerBound)
        bytes.withUnsafeMutableBufferPointer { bits in
            // Eight flags (one byte each, 0 or 1) at a time: the multiplication moves flag i of the little-endian
            // word from bit 8i to bit 56 + i, without carries, so the top byte is the eight flags' bitmap.
            for byte in 0..<count / 8 {
                let word = UInt64(littleEndian: first.loadUnaligned(fromByteOffset: byte * 8, as: UInt64.self))
                bits[byte] = UInt8(truncatingIfNeeded: (word &* 0x0102_0408_1020_4080) >> 56)
            }
            for index in (count / 8 * 8)..<count where flags[range.lowerBound + index] {
                bits[index >> 3] |= 1 << UInt8(index & 7)
            }
        }
    }

    /// How many of `flags[range]` are true, eight flags (bytes of 0 or 1) a word at a time.
    static func trueCount(_ flags: UnsafeBufferPointer<Bool>, range: Range<Int>) -> Int {
        guard let base = flags.baseAddress, !range.isEmpty else { return 0 }
        let first = UnsafeRawPointer(base + range.lowerBound)
        let count = range.count
        var total = 0
        for word in 0..<count / 8 {
            total += first.loadUnaligned(fromByteOffset: word * 8, as: UInt64.self).nonzeroBitCount
        }
        for index in (count / 8 * 8)..<count where flags[range.lowerBound + index] { total += 1 }
        return total
    }

    /// Writes `offsets[range.lowerBound ... range.upperBound]` minus the first, as Int32 or Int64, into `bytes`.
    private static func rebasedOffsets<Offset: FixedWidthInteger>(
        _ offsets: UnsafeBufferPointer<Offset>, range: Range<Int>, isLarge: Bool, into bytes: inout [UInt8]
    ) {
        let width = isLarge ? 8 : 4
        let count = range.count + 1
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: repeatElement(0, count: count * width))
        bytes.withUnsafeMutableBytes { raw in
            let base = Int(offsets[range.lowerBound])
            for index in 0..<count {
                let value = Int(offsets[range.lowerBound + index]) - base
                if isLarge {
                    raw.storeBytes(of: Int64(value).littleEndian, toByteOffset: index * 8, as: Int64.self)
                } else {
                    raw.storeBytes(
                        of: Int32(truncatingIfNeeded: value).littleEndian, toByteOffset: index * 4, as: Int32.self)
                }
            }
        }
    }
}

/// One column of rows to append to an ``ArrowStreamWriter``, as raw buffers owned by the caller.
public struct BatchColumn {
    /// The values of a column.
    public enum Values {
        /// Fixed-width values (`int64`, `float64`, `timestamp`: 8 bytes; `date32`: 4), little-endian, back to back.
        case fixed(UnsafeRawBufferPointer, width: Int)
        /// Booleans, one per row.
        case bool(UnsafeBufferPointer<Bool>)
        /// Strings: row `i` is `bytes[offsets[i] ..< offsets[i + 1]]` (`offsets` has one entry more than rows).
        case utf8(offsets: UnsafeBufferPointer<Int>, bytes: UnsafeRawBufferPointer)
        /// Strings with 32-bit offsets, as Arrow's `utf8` stores them (written without converting when a batch
        /// starts at offset 0); row `i` is `bytes[offsets[i] ..< offsets[i + 1]]`.
        case compactUTF8(offsets: UnsafeBufferPointer<Int32>, bytes: UnsafeRawBufferPointer)
        /// Text coded against `dictionary`: row `i` is `dictionary[codes[i]]` (see ``DictionaryColumn``); the file's
        /// column is dictionary-encoded.
        case dictionary(codes: UnsafeBufferPointer<Int32>, dictionary: StringColumn)
    }

    /// The values.
    public var values: Values
    /// One flag per row, false for null; nil when no row is null.
    public var validity: UnsafeBufferPointer<Bool>?

    /// Creates a column view.
    public init(values: Values, validity: UnsafeBufferPointer<Bool>? = nil) {
        self.values = values
        self.validity = validity
    }
}
