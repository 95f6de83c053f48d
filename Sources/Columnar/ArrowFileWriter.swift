#if _endian(big)
    #error("Arrow files are written in the host byte order, which must be little-endian")
#endif

/// Writes tables as Arrow IPC files (the "Feather v2" format, uncompressed, metadata version V5), which
/// pyarrow, pandas, Polars and DuckDB open directly.
///
/// Rows are split into record batches of at most `batchRowCount` rows, so 32-bit string offsets suffice;
/// a `utf8` column is written as `large_utf8` only if one batch still holds more than 2 GiB of text.
/// Every field is nullable; a column's validity bitmap is omitted in batches without nulls. Body buffers
/// start at 64-byte boundaries of the file. Table metadata is written as schema custom metadata, sorted
/// by key, so equal tables give byte-identical files.
///
/// The file is written crash-safely through `AtomicFileWriter`.
public struct ArrowFileWriter: Sendable {
    /// The default number of rows per record batch (2^20).
    public static let defaultBatchRowCount = 1 << 20

    /// The maximum number of rows per record batch.
    public var batchRowCount: Int

    /// The string bytes per batch above which a `utf8` column is written as `large_utf8`.
    ///
    /// Above this many bytes in any one batch, the whole column gets 64-bit offsets. Defaults to, and is
    /// capped at, 2^31 - 1, the limit of 32-bit offsets.
    public var largeUTF8Threshold = Int(Int32.max)

    /// Creates a writer.
    public init(batchRowCount: Int = ArrowFileWriter.defaultBatchRowCount) {
        precondition(batchRowCount > 0, "batchRowCount must be positive")
        self.batchRowCount = batchRowCount
    }

    /// Writes `table` to `path` crash-safely and returns the file's size and SHA-256.
    ///
    /// - Complexity: O(bytes written); numeric buffers are written straight from the column arrays.
    @discardableResult
    public func write(_ table: Table, to path: String) throws(ColumnarError) -> WrittenFile {
        let output = try AtomicFileWriter(path: path)
        let batchCount: Int
        do throws(ColumnarError) {
            batchCount = try encode(table, into: output)
        } catch {
            output.abandon()
            throw error
        }
        let byteCount = output.byteCount
        let sha256 = try output.commit()
        return WrittenFile(
            path: path, byteCount: byteCount, sha256: sha256, rowCount: table.rowCount, batchCount: batchCount)
    }

    // MARK: - Encoding

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

    /// Writes the whole file body to `output` and returns the number of record batches.
    private func encode(_ table: Table, into output: AtomicFileWriter) throws(ColumnarError) -> Int {
        let rowCount = table.rowCount
        let batchCount = max(1, (rowCount + batchRowCount - 1) / batchRowCount)
        let ranges = (0..<batchCount).map { batch in
            (batch * batchRowCount)..<min(rowCount, (batch + 1) * batchRowCount)
        }
        let fields = table.columns.map { column in
            var field = ArrowFormat.FieldLayout(name: column.name, type: column.type)
            if case .utf8(let strings) = column.values {
                field.isLarge = ranges.contains { range in
                    strings.offsets[range.upperBound] - strings.offsets[range.lowerBound]
                        > min(largeUTF8Threshold, Int(Int32.max))
                }
            }
            return field
        }

        try output.write(ArrowFormat.magic + [0, 0])
        var position = 8
        let schema = ArrowFormat.message(headerType: ArrowFormat.MessageHeader.schema, bodyLength: 0) { builder in
            ArrowFormat.buildSchema(&builder, fields: fields, metadata: table.metadata)
        }
        position += try writeMessage(schema, at: position, into: output)

        var blocks: [Block] = []
        var scratch: [UInt8] = []
        for range in ranges {
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
        }

        // End-of-stream marker, so the part before the footer is also a valid Arrow stream.
        try output.write([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])

        var builder = FlatBufferBuilder()
        let footerSchema = ArrowFormat.buildSchema(&builder, fields: fields, metadata: table.metadata)
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
        return batchCount
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
