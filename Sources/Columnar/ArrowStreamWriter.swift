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
    private let fields: [ArrowFormat.FieldLayout]
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
    public init(
        path: String, columns: [(name: String, type: ColumnType)], metadata: [String: String] = [:],
        largeUTF8Columns: Set<String> = [], batchRowCount: Int = ArrowFileWriter.defaultBatchRowCount
    ) throws(ColumnarError) {
        precondition(batchRowCount > 0, "batchRowCount must be positive")
        fields = columns.map { column in
            var field = ArrowFormat.FieldLayout(name: column.name, type: column.type)
            field.isLarge = column.type == .utf8 && largeUTF8Columns.contains(column.name)
            return field
        }
        self.metadata = metadata
        self.batchRowCount = batchRowCount
        output = try AtomicFileWriter(path: path)
        do throws(ColumnarError) {
            try output.write(ArrowFormat.magic + [0, 0])
            position = 8
            let schema = ArrowFormat.message(headerType: ArrowFormat.MessageHeader.schema, bodyLength: 0) { builder in
                ArrowFormat.buildSchema(&builder, fields: fields, metadata: metadata)
            }
            position += try writeMessage(schema, at: position, into: output)
        } catch {
            output.abandon()
            throw error
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
        var start = 0
        while start < table.rowCount {
            var end = min(table.rowCount, start + batchRowCount)
            // Text columns with 32-bit offsets: fewer rows until every column's text fits.
            while end - start > 1, !fitsInt32Offsets(table, start..<end) { end = start + (end - start) / 2 }
            try writeBatch(table, range: start..<end)
            start = end
        }
    }

    /// Writes the footer and commits the file; returns its size and SHA-256. A file without any batch gets one
    /// empty batch, as ``ArrowFileWriter`` writes for an empty table.
    public func finish() throws(ColumnarError) -> WrittenFile {
        do throws(ColumnarError) {
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
        let sha256 = try output.commit()
        return WrittenFile(
            path: output.path, byteCount: byteCount, sha256: sha256, rowCount: rowCount, batchCount: blocks.count)
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

    private func fitsInt32Offsets(_ table: Table, _ range: Range<Int>) -> Bool {
        for (index, column) in table.columns.enumerated() where !fields[index].isLarge {
            if case .utf8(let strings) = column.values,
                strings.offsets[range.upperBound] - strings.offsets[range.lowerBound] > Int(Int32.max)
            {
                return false
            }
        }
        return true
    }

    /// Writes `table`'s rows in `range` as one record batch.
    func writeBatch(_ table: Table, range: Range<Int>) throws(ColumnarError) {
        let plans = table.columns.enumerated().map { index, column in
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
        for (index, column) in table.columns.enumerated() {
            try writeBuffers(
                column, range: range, plan: plans[index], isLarge: fields[index].isLarge, into: output,
                scratch: &scratch)
        }
        assert(output.byteCount - bodyStart == bodyLength, "body length differs from its plan")
        blocks.append(Block(offset: position, metadataLength: metadataLength, bodyLength: bodyLength))
        position += metadataLength + bodyLength
        rowCount += range.count
    }

    private func writeFooter() throws(ColumnarError) {
        // End-of-stream marker, so the part before the footer is also a valid Arrow stream.
        try output.write([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])

        var builder = FlatBufferBuilder()
        let footerSchema = ArrowFormat.buildSchema(&builder, fields: fields, metadata: metadata)
        let dictionaries = builder.createStructVector(count: 0, stride: 24, alignment: 8) { _, _ in }
        let recordBatches = builder.createStructVector(count: blocks.count, stride: 24, alignment: 8) {
            builder, index in
            builder.push(Int64(blocks[index].bodyLength))
            builder.pad(4)
            builder.push(Int32(blocks[index].metadataLength))
            builder.push(Int64(blocks[index].offset))
        }
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
    private func plan(_ column: Column, range: Range<Int>, isLarge: Bool) -> ChunkPlan {
        var nullCount = 0
        if let validity = column.validity {
            validity.withUnsafeBufferPointer { flags in
                for index in range where !flags[index] { nullCount += 1 }
            }
        }
        let count = range.count
        let validityLength = nullCount > 0 ? (count + 7) / 8 : 0
        switch column.values {
        case .int64, .float64, .timestamp:
            return ChunkPlan(nullCount: nullCount, bufferLengths: [validityLength, count * 8])
        case .date32:
            return ChunkPlan(nullCount: nullCount, bufferLengths: [validityLength, count * 4])
        case .bool:
            return ChunkPlan(nullCount: nullCount, bufferLengths: [validityLength, (count + 7) / 8])
        case .utf8(let strings):
            let byteLength = strings.offsets[range.upperBound] - strings.offsets[range.lowerBound]
            let offsetsLength = (count + 1) * (isLarge ? 8 : 4)
            return ChunkPlan(nullCount: nullCount, bufferLengths: [validityLength, offsetsLength, byteLength])
        }
    }

    /// Writes the buffers of `column` restricted to `range`, each padded to the buffer alignment.
    private func writeBuffers(
        _ column: Column, range: Range<Int>, plan: ChunkPlan, isLarge: Bool, into output: AtomicFileWriter,
        scratch: inout [UInt8]
    ) throws(ColumnarError) {
        if plan.nullCount > 0, let validity = column.validity {
            Self.packBits(validity, range: range, into: &scratch)
            try writePadded(scratch, into: output)
        } else {
            try writePadded([], into: output)
        }
        switch column.values {
        case .int64(let values), .timestamp(let values):
            try writePadded(values, range: range, into: output)
        case .float64(let values):
            try writePadded(values, range: range, into: output)
        case .date32(let values):
            try writePadded(values, range: range, into: output)
        case .bool(let values):
            Self.packBits(values, range: range, into: &scratch)
            try writePadded(scratch, into: output)
        case .utf8(let strings):
            Self.rebasedOffsets(strings.offsets, range: range, isLarge: isLarge, into: &scratch)
            try writePadded(scratch, into: output)
            let bytes = strings.offsets[range.lowerBound]..<strings.offsets[range.upperBound]
            try writePadded(strings.bytes, range: bytes, into: output)
        }
    }

    private func writePadded<T>(_ values: [T], range: Range<Int>, into output: AtomicFileWriter) throws(ColumnarError) {
        let stride = MemoryLayout<T>.stride
        let written = values.withUnsafeBytes { raw in
            Result { () throws(ColumnarError) in
                try output.write(
                    UnsafeRawBufferPointer(rebasing: raw[(range.lowerBound * stride)..<(range.upperBound * stride)]))
            }
        }
        try written.get()
        let length = range.count * stride
        try output.writeZeros(ArrowFormat.aligned(length, to: ArrowFormat.bufferAlignment) - length)
    }

    private func writePadded(_ bytes: [UInt8], into output: AtomicFileWriter) throws(ColumnarError) {
        try writePadded(bytes, range: 0..<bytes.count, into: output)
    }

    /// Packs `flags[range]` into an LSB-first bitmap in `bytes`.
    private static func packBits(_ flags: [Bool], range: Range<Int>, into bytes: inout [UInt8]) {
        let count = range.count
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: repeatElement(0, count: (count + 7) / 8))
        flags.withUnsafeBufferPointer { flags in
            bytes.withUnsafeMutableBufferPointer { bits in
                let start = range.lowerBound
                for index in 0..<count where flags[start + index] {
                    bits[index >> 3] |= 1 << UInt8(index & 7)
                }
            }
        }
    }

    /// Writes `offsets[range.lowerBound ... range.upperBound]` minus the first, as Int32 or Int64, into `bytes`.
    private static func rebasedOffsets(_ offsets: [Int], range: Range<Int>, isLarge: Bool, into bytes: inout [UInt8]) {
        let width = isLarge ? 8 : 4
        let count = range.count + 1
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: repeatElement(0, count: count * width))
        offsets.withUnsafeBufferPointer { offsets in
            bytes.withUnsafeMutableBytes { raw in
                let base = offsets[range.lowerBound]
                for index in 0..<count {
                    let value = offsets[range.lowerBound + index] - base
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
}
