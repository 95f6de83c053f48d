/// Reads Arrow IPC files ("Feather v2", uncompressed) written by segpipe, pyarrow or other Arrow
/// implementations.
///
/// Opening a file maps it into memory and reads only its metadata, so `columns`, `rowCount` and
/// `metadata` are cheap; `readTable()` then copies the columns out. Every offset and length in the file
/// is checked: a truncated or corrupted file gives `ColumnarError(.malformedFile, …)`.
///
/// Besides the types segpipe writes, the reader accepts `large_utf8`, signed `int8`…`int32` and unsigned
/// `uint8`…`uint32` (widened to int64), `float32` (widened to float64), `date64` (to days), and timestamps
/// in seconds, milliseconds or nanoseconds (converted to microseconds, nanoseconds rounded down) with any
/// or no time zone, and dictionary-encoded text (any integer indices, `utf8` or `large_utf8` values, delta
/// dictionaries appended), read as ``DictionaryColumn`` values. Compressed bodies and other types give
/// `.unsupportedType`.
public final class ArrowFileReader: @unchecked Sendable {
    /// The file read.
    public let path: String
    /// The columns in schema order.
    public let columns: [ColumnDescriptor]
    /// Schema custom metadata.
    public let metadata: [String: String]
    /// Total rows over all record batches.
    public let rowCount: Int
    /// File size in bytes.
    public var byteCount: Int { file.bytes.count }
    /// Number of record batches.
    public var batchCount: Int { batches.count }
    /// Rows in each record batch, in file order.
    public var batchRowCounts: [Int] { batches.map(\.length) }

    private let file: MappedFile
    private let sourceTypes: [SourceType]
    private let batches: [Batch]
    /// The dictionaries of dictionary-encoded columns, by dictionary id, read when the file is opened.
    private let dictionaries: [Int64: StringColumn]
    /// The row (over the whole file) each record batch starts at, then the row count.
    private let batchStartRows: [Int]

    /// The on-disk type of a column and how it converts to a `ColumnType`.
    enum SourceType {
        case int(bitWidth: Int, isSigned: Bool)
        case float32, float64
        case utf8, largeUTF8
        case date32, date64
        case timestamp(unit: Int16)
        case bool
        /// Text as integer indices into the dictionary `id`.
        case dictionary(indexBitWidth: Int, isSigned: Bool, id: Int64)

        var columnType: ColumnType {
            switch self {
            case .int: .int64
            case .float32, .float64: .float64
            case .utf8, .largeUTF8, .dictionary: .utf8
            case .date32, .date64: .date32
            case .timestamp: .timestamp
            case .bool: .bool
            }
        }

        var bufferCount: Int {
            switch self {
            case .utf8, .largeUTF8: 3
            default: 2
            }
        }
    }

    /// One record batch: its metadata and body.
    struct Batch {
        var recordBatch: FlatBufferTable
        var body: UnsafeRawBufferPointer
        var length: Int
        var compressionCodec: Int8?
    }

    /// Opens `path` and reads its schema and record batch metadata.
    ///
    /// With `expectedChecksum`, the whole file is hashed first (with that checksum's algorithm) and
    /// `.checksumMismatch` is thrown when it differs, so a manifest's checksum is verified without reading the file
    /// twice.
    public init(path: String, expectedChecksum: Checksum? = nil) throws(ColumnarError) {
        self.path = path
        let file = try MappedFile(path: path)
        self.file = file
        if let expectedChecksum {
            let actual = Self.checksum(of: file, expectedChecksum.algorithm, releasing: true)
            guard actual == expectedChecksum else {
                throw Checksum.mismatch(actual: actual, expected: expectedChecksum, path: path)
            }
        }
        do throws(ColumnarError) {
            let footer = try Self.footer(of: file.bytes)
            guard let schema = try footer.table.table(ArrowFormat.Footer.schema) else {
                throw Self.malformed("the footer has no schema")
            }
            let (columns, types, valueTypes) = try Self.fields(of: schema)
            self.columns = columns
            self.sourceTypes = types
            self.metadata = try Self.keyValues(schema.vector(ArrowFormat.Schema.customMetadata, elementSize: 4))
            let batches = try Self.batches(footer: footer.table, in: file.bytes, footerStart: footer.start)
            self.batches = batches
            self.dictionaries = try Self.dictionaries(
                footer: footer.table, in: file.bytes, footerStart: footer.start, valueTypes: valueTypes)
            // A column whose dictionary is missing reads as coded against an empty one: fine without rows (some
            // writers leave the dictionaries of empty files out), a malformed file otherwise (every index is checked).
            var rowCount = 0
            var starts = [0]
            for batch in batches {
                let (sum, overflow) = rowCount.addingReportingOverflow(batch.length)
                guard !overflow else { throw Self.malformed("the record batches claim more than Int.max rows") }
                rowCount = sum
                starts.append(sum)
            }
            self.rowCount = rowCount
            self.batchStartRows = starts
        } catch {
            throw ColumnarError(error.code, error.message, path: path, underlying: error.underlying)
        }
    }

    /// Reads all record batches into one table.
    ///
    /// - Complexity: O(file size); numeric buffers are copied with `memcpy`.
    public func readTable() throws(ColumnarError) -> Table {
        try readTable(columnIndices: Array(columns.indices), batches: batches[...])
    }

    /// Reads only the columns called `names`, in that order.
    ///
    /// Throws `.schemaMismatch` when a name is not in the file.
    public func readTable(columns names: [String]) throws(ColumnarError) -> Table {
        try readTable(columnIndices: try columnIndices(names), batches: batches[...])
    }

    /// Reads the record batches `batchRange` (indices into the file's batches) into one table, with only the
    /// columns called `names` (all columns when nil), in that order: a large file read a slice at a time. With
    /// `lastRead`, the batches are read for the last time, and their pages are dropped from the page cache too
    /// (``MappedFile/release(_:fromPageCache:)``); a later read of them comes from the disk.
    ///
    /// Throws `.schemaMismatch` when a name is not in the file.
    ///
    /// With `parallel`, the columns are copied out through it (a column per call of its body, which it may run on
    /// several threads at once): a large table read whole need not keep one core busy while the others wait.
    public func readTable(
        columns names: [String]? = nil, batches batchRange: Range<Int>, lastRead: Bool = false,
        parallel: ParallelFor? = nil
    ) throws(ColumnarError) -> Table {
        precondition(
            batchRange.lowerBound >= 0 && batchRange.upperBound <= batches.count, "batch range outside the file")
        let indices =
            try names.map { names throws(ColumnarError) in try columnIndices(names) } ?? Array(columns.indices)
        return try readTable(
            columnIndices: indices, batches: batches[batchRange], lastRead: lastRead, parallel: parallel)
    }

    private func columnIndices(_ names: [String]) throws(ColumnarError) -> [Int] {
        var indices: [Int] = []
        for name in names {
            guard let index = columns.firstIndex(where: { $0.name == name }) else {
                throw ColumnarError(
                    .schemaMismatch,
                    "column \"\(name)\" is not in the file (it has \(columns.map(\.name).joined(separator: ", ")))",
                    path: path)
            }
            indices.append(index)
        }
        return indices
    }

    private func readTable(
        columnIndices: [Int], batches: ArraySlice<Batch>, lastRead: Bool = false, parallel: ParallelFor? = nil
    ) throws(ColumnarError) -> Table {
        let rowCount = batches.reduce(0) { $0 + $1.length }
        do throws(ColumnarError) {
            for batch in batches {
                if let codec = batch.compressionCodec {
                    let name = codec == 0 ? "LZ4_FRAME" : codec == 1 ? "ZSTD" : "codec #\(codec)"
                    throw ColumnarError(
                        .unsupportedType,
                        "record batches are compressed with \(name); segpipe reads only uncompressed files "
                            + "(rewrite with compression=\"uncompressed\")")
                }
            }
            var chunks: [[Chunk]] = []
            for batch in batches { chunks.append(try Self.chunks(of: batch, types: sourceTypes)) }
            let decode = { [columns, sourceTypes, dictionaries] (index: Int) throws(ColumnarError) -> Column in
                try Self.column(
                    columns[index], type: sourceTypes[index], chunks: chunks.map { $0[index] }, rowCount: rowCount,
                    dictionaries: dictionaries)
            }
            let result: [Column]
            if let parallel, columnIndices.count > 1 {
                result = try Self.map(columnIndices, decode, parallel)
            } else {
                result = try columnIndices.map(decode)
            }
            // The batches' bytes are copied out: let go of their pages (a file read a slice at a time stays small).
            for batch in batches { releaseBody(of: batch, fromPageCache: lastRead) }
            return try Table(columns: result, metadata: metadata)
        } catch {
            throw ColumnarError(error.code, error.message, path: path, underlying: error.underlying)
        }
    }

    /// Calls `body` with the UTF-8 bytes of row `row` (counted over the whole file) of the text column at
    /// `columnIndex`, straight from the mapped file, without reading its record batch (empty for a null): for the
    /// odd value looked up again after its batch was read and let go.
    public func withUTF8<R>(
        columnIndex: Int, row: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(ColumnarError) -> R
    ) throws(ColumnarError) -> R {
        precondition(row >= 0 && row < rowCount, "row outside the file")
        precondition(columns.indices.contains(columnIndex), "column outside the file")
        guard sourceTypes[columnIndex].columnType == .utf8 else {
            throw ColumnarError(.schemaMismatch, "column \"\(columns[columnIndex].name)\" is not text", path: path)
        }
        let isLarge = Self.isLarge(sourceTypes[columnIndex])
        // The last batch starting at or before `row`.
        var low = 0
        var high = batches.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if batchStartRows[middle] <= row { low = middle } else { high = middle - 1 }
        }
        let index = row - batchStartRows[low]
        let chunk: Chunk
        do {
            chunk = try Self.chunks(of: batches[low], types: sourceTypes)[columnIndex]
        } catch {
            throw ColumnarError(error.code, error.message, path: path, underlying: error.underlying)
        }
        guard chunk.isValid(index) else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        if case .dictionary(let bitWidth, let isSigned, let id) = sourceTypes[columnIndex] {
            let code = Self.index(chunk.buffers[0], at: index, bitWidth: bitWidth, isSigned: isSigned)
            guard let dictionary = dictionaries[id], code >= 0, code < dictionary.count else {
                throw ColumnarError(
                    .malformedFile, "not a valid Arrow IPC file: a dictionary index lies outside its dictionary",
                    path: path)
            }
            let result = dictionary.withUTF8(at: code) { bytes in
                Result { () throws(ColumnarError) in try body(bytes) }
            }
            return try result.get()
        }
        let offsets = chunk.buffers[0]
        let data = chunk.buffers[1]
        let start: Int
        let end: Int
        if isLarge {
            start = Int(Int64(littleEndian: offsets.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
            end = Int(Int64(littleEndian: offsets.loadUnaligned(fromByteOffset: index * 8 + 8, as: Int64.self)))
        } else {
            start = Int(Int32(littleEndian: offsets.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
            end = Int(Int32(littleEndian: offsets.loadUnaligned(fromByteOffset: index * 4 + 4, as: Int32.self)))
        }
        guard start >= 0, start <= end, end <= data.count else {
            throw ColumnarError(
                .malformedFile, "not a valid Arrow IPC file: string offsets point outside their data buffer",
                path: path)
        }
        let bytes = UnsafeRawBufferPointer(rebasing: data[start..<end]).assumingMemoryBound(to: UInt8.self)
        return try body(bytes)
    }

    /// `items.map(transform)` with the calls made through `parallel`; the first failing item's error is thrown.
    private static func map<T>(
        _ items: [Int], _ transform: (Int) throws(ColumnarError) -> T, _ parallel: ParallelFor
    ) throws(ColumnarError) -> [T] {
        let results = UnsafeMutableBufferPointer<Result<T, ColumnarError>?>.allocate(capacity: items.count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        withoutActuallyEscaping(transform) { transform in
            // Each call writes only its own result.
            let shared = UncheckedSendable((transform, results))
            parallel(items.count) { position in
                let (transform, results) = shared.value
                do throws(ColumnarError) {
                    results[position] = .success(try transform(items[position]))
                } catch {
                    results[position] = .failure(error)
                }
            }
        }
        var values: [T] = []
        values.reserveCapacity(items.count)
        for result in results {
            guard let result else { preconditionFailure("the parallel loop skipped an item") }
            values.append(try result.get())
        }
        return values
    }

    private func releaseBody(of batch: Batch, fromPageCache: Bool) {
        guard let base = file.bytes.baseAddress, let start = batch.body.baseAddress else { return }
        let offset = start - base
        file.release(offset..<(offset + batch.body.count), fromPageCache: fromPageCache)
    }

    /// The checksum of the whole file, hashed from the mapped bytes.
    public func checksum(_ algorithm: ChecksumAlgorithm = .xxh64) -> Checksum {
        Self.checksum(of: file, algorithm, releasing: false)
    }

    /// The file's checksum, hashed 32 MiB at a time; with `releasing`, each piece is let go of once hashed (see
    /// ``MappedFile/release(_:)``), so checking a file larger than memory does not fill the process with it.
    private static func checksum(of file: MappedFile, _ algorithm: ChecksumAlgorithm, releasing: Bool) -> Checksum {
        var hasher = ChecksumHasher(algorithm)
        let piece = 32 << 20
        for start in stride(from: 0, to: file.bytes.count, by: piece) {
            let range = start..<min(start + piece, file.bytes.count)
            hasher.update(UnsafeRawBufferPointer(rebasing: file.bytes[range]))
            if releasing { file.release(range) }
        }
        return hasher.finalize()
    }

    static func malformed(_ detail: String) -> ColumnarError {
        ColumnarError(.malformedFile, "not a valid Arrow IPC file: \(detail); the file may be truncated or corrupted")
    }
}

// MARK: - Metadata

extension ArrowFileReader {
    private static func footer(
        of bytes: UnsafeRawBufferPointer
    ) throws(ColumnarError) -> (table: FlatBufferTable, start: Int) {
        let size = bytes.count
        let magic = ArrowFormat.magic
        guard size >= 18 else { throw malformed("the file has only \(size) bytes") }
        guard bytes[0..<6].elementsEqual(magic) else { throw malformed("the file does not start with ARROW1") }
        guard bytes[(size - 6)..<size].elementsEqual(magic) else {
            throw malformed("the file does not end with ARROW1")
        }
        let footerLength = Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: size - 10, as: Int32.self)))
        guard footerLength > 0, footerLength <= size - 18 else {
            throw malformed("the footer length \(footerLength) does not fit the file")
        }
        let start = size - 10 - footerLength
        let table = try FlatBufferTable.root(of: UnsafeRawBufferPointer(rebasing: bytes[start..<(size - 10)]))
        return (table, start)
    }

    private static func fields(
        of schema: FlatBufferTable
    ) throws(ColumnarError) -> ([ColumnDescriptor], [SourceType], [Int64: SourceType]) {
        guard try schema.scalar(ArrowFormat.Schema.endianness, default: Int16(0)) == 0 else {
            throw ColumnarError(.unsupportedType, "the file is big-endian; segpipe reads only little-endian files")
        }
        guard let fields = try schema.vector(ArrowFormat.Schema.fields, elementSize: 4) else {
            return ([], [], [:])
        }
        var descriptors: [ColumnDescriptor] = []
        var types: [SourceType] = []
        var valueTypes: [Int64: SourceType] = [:]
        for index in 0..<fields.count {
            let field = try fields.table(index)
            let name = try field.string(ArrowFormat.Field.name) ?? ""
            let isNullable = try field.bool(ArrowFormat.Field.nullable, default: false)
            var type = try sourceType(of: field, name: name)
            if let encoding = try field.table(ArrowFormat.Field.dictionary) {
                guard case .utf8 = type.columnType else {
                    throw ColumnarError(
                        .unsupportedType,
                        "column \"\(name)\" is dictionary-encoded with \(type.columnType) values; segpipe reads only "
                            + "dictionary-encoded text (cast it to its value type)")
                }
                let id = try encoding.scalar(ArrowFormat.DictionaryEncoding.id, default: Int64(0))
                let indexType = try encoding.table(ArrowFormat.DictionaryEncoding.indexType)
                let bitWidth = Int(try indexType?.scalar(ArrowFormat.IntType.bitWidth, default: Int32(0)) ?? 32)
                let isSigned = try indexType?.bool(ArrowFormat.IntType.isSigned, default: false) ?? true
                guard [8, 16, 32, 64].contains(bitWidth) else {
                    throw ColumnarError(
                        .unsupportedType, "column \"\(name)\" has \(bitWidth)-bit dictionary indices")
                }
                valueTypes[id] = type
                type = .dictionary(indexBitWidth: bitWidth, isSigned: isSigned, id: id)
            }
            descriptors.append(ColumnDescriptor(name: name, type: type.columnType, isNullable: isNullable))
            types.append(type)
        }
        return (descriptors, types, valueTypes)
    }

    private static func sourceType(of field: FlatBufferTable, name: String) throws(ColumnarError) -> SourceType {
        let typeID = try field.scalar(ArrowFormat.Field.typeType, default: UInt8(0))
        let type = try field.table(ArrowFormat.Field.type)
        func unsupported(_ detail: String) -> ColumnarError {
            ColumnarError(
                .unsupportedType,
                "column \"\(name)\" has Arrow type \(detail), which segpipe does not read (supported: int64, float64, "
                    + "utf8, date32, timestamp, bool)")
        }
        switch typeID {
        case ArrowFormat.TypeID.int:
            let bitWidth = Int(try type?.scalar(ArrowFormat.IntType.bitWidth, default: Int32(0)) ?? 0)
            let isSigned = try type?.bool(ArrowFormat.IntType.isSigned, default: false) ?? false
            guard [8, 16, 32, 64].contains(bitWidth), isSigned || bitWidth < 64 else {
                throw unsupported("\(isSigned ? "" : "u")int\(bitWidth)")
            }
            return .int(bitWidth: bitWidth, isSigned: isSigned)
        case ArrowFormat.TypeID.floatingPoint:
            switch try type?.scalar(ArrowFormat.FloatingPoint.precision, default: Int16(0)) ?? 0 {
            case 1: return .float32
            case 2: return .float64
            default: throw unsupported("float16")
            }
        case ArrowFormat.TypeID.utf8: return .utf8
        case ArrowFormat.TypeID.largeUTF8: return .largeUTF8
        case ArrowFormat.TypeID.bool: return .bool
        case ArrowFormat.TypeID.date:
            return try type?.scalar(ArrowFormat.DateType.unit, default: Int16(1)) == 0 ? .date32 : .date64
        case ArrowFormat.TypeID.timestamp:
            let unit = try type?.scalar(ArrowFormat.TimestampType.unit, default: Int16(0)) ?? 0
            guard (0...3).contains(unit) else { throw unsupported("timestamp with unit #\(unit)") }
            return .timestamp(unit: unit)
        default:
            throw unsupported(ArrowFormat.TypeID.name(typeID))
        }
    }

    private static func keyValues(_ vector: FlatBufferVector?) throws(ColumnarError) -> [String: String] {
        guard let vector else { return [:] }
        var result: [String: String] = [:]
        for index in 0..<vector.count {
            let pair = try vector.table(index)
            let key = try pair.string(ArrowFormat.KeyValue.key) ?? ""
            result[key] = try pair.string(ArrowFormat.KeyValue.value) ?? ""
        }
        return result
    }

    private static func batches(
        footer: FlatBufferTable, in bytes: UnsafeRawBufferPointer, footerStart: Int
    ) throws(ColumnarError) -> [Batch] {
        try messages(
            footer: footer, slot: ArrowFormat.Footer.recordBatches, headerType: ArrowFormat.MessageHeader.recordBatch,
            in: bytes, footerStart: footerStart
        ).map { message throws(ColumnarError) in try batch(message.header, body: message.body) }
    }

    /// The record batch `recordBatch` with its body.
    private static func batch(_ recordBatch: FlatBufferTable, body: UnsafeRawBufferPointer) throws(ColumnarError)
        -> Batch
    {
        let rows = Int(try recordBatch.scalar(ArrowFormat.RecordBatch.length, default: Int64(0)))
        guard rows >= 0 else { throw malformed("a record batch has \(rows) rows") }
        var codec: Int8?
        if let compression = try recordBatch.table(ArrowFormat.RecordBatch.compression) {
            codec = try compression.scalar(ArrowFormat.BodyCompression.codec, default: Int8(0))
        }
        return Batch(recordBatch: recordBatch, body: body, length: rows, compressionCodec: codec)
    }

    /// Reads the dictionary batches listed in the footer into one string column per dictionary id (a delta batch
    /// appends to its dictionary).
    private static func dictionaries(
        footer: FlatBufferTable, in bytes: UnsafeRawBufferPointer, footerStart: Int, valueTypes: [Int64: SourceType]
    ) throws(ColumnarError) -> [Int64: StringColumn] {
        let messages = try messages(
            footer: footer, slot: ArrowFormat.Footer.dictionaries,
            headerType: ArrowFormat.MessageHeader.dictionaryBatch, in: bytes, footerStart: footerStart)
        var result: [Int64: StringColumn] = [:]
        for message in messages {
            let id = try message.header.scalar(ArrowFormat.DictionaryBatch.id, default: Int64(0))
            let isDelta = try message.header.bool(ArrowFormat.DictionaryBatch.isDelta, default: false)
            guard let type = valueTypes[id] else { continue }  // a dictionary no column uses
            guard let data = try message.header.table(ArrowFormat.DictionaryBatch.data) else {
                throw malformed("dictionary batch \(id) has no data")
            }
            let batch = try batch(data, body: message.body)
            guard batch.compressionCodec == nil else {
                throw ColumnarError(
                    .unsupportedType, "a dictionary batch is compressed; segpipe reads only uncompressed files")
            }
            let chunk = try chunks(of: batch, types: [type])
            let strings = try self.strings(chunk, rowCount: batch.length, isLarge: isLarge(type))
            if isDelta, var existing = result[id] {
                existing.append(contentsOf: strings)
                result[id] = existing
            } else {
                result[id] = strings
            }
        }
        return result
    }

    /// The messages of the blocks listed in footer slot `slot`, each of which must have header type `headerType`.
    private static func messages(
        footer: FlatBufferTable, slot: Int, headerType: UInt8, in bytes: UnsafeRawBufferPointer, footerStart: Int
    ) throws(ColumnarError) -> [(header: FlatBufferTable, body: UnsafeRawBufferPointer)] {
        guard let blocks = try footer.vector(slot, elementSize: 24) else { return [] }
        let kind = headerType == ArrowFormat.MessageHeader.recordBatch ? "record batch" : "dictionary batch"
        var result: [(header: FlatBufferTable, body: UnsafeRawBufferPointer)] = []
        for index in 0..<blocks.count {
            let offset = Int(blocks.load(index, at: 0, as: Int64.self))
            let metadataLength = Int(blocks.load(index, at: 8, as: Int32.self))
            let bodyLength = Int(blocks.load(index, at: 16, as: Int64.self))
            guard offset >= 8, offset <= footerStart, metadataLength >= 8, metadataLength <= footerStart - offset,
                bodyLength >= 0, bodyLength <= footerStart - offset - metadataLength
            else {
                throw malformed("\(kind) \(index) lies outside the file")
            }
            var flatbufferStart = offset + 4
            var length = Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
            if length == -1 {
                flatbufferStart = offset + 8
                length = Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: Int32.self)))
            }
            guard length >= 0, length <= offset + metadataLength - flatbufferStart else {
                throw malformed("the metadata of \(kind) \(index) overruns its block")
            }
            let message = try FlatBufferTable.root(
                of: UnsafeRawBufferPointer(rebasing: bytes[flatbufferStart..<(flatbufferStart + length)]))
            let version = try message.scalar(ArrowFormat.Message.version, default: Int16(0))
            guard version >= 3 else {
                throw ColumnarError(
                    .unsupportedType, "the file uses Arrow metadata version V\(version + 1); segpipe reads V4 and V5")
            }
            guard
                try message.scalar(ArrowFormat.Message.headerType, default: UInt8(0))
                    == headerType,
                let header = try message.table(ArrowFormat.Message.header)
            else {
                throw malformed("block \(index) does not hold a \(kind)")
            }
            let messageBodyLength = Int(try message.scalar(ArrowFormat.Message.bodyLength, default: Int64(0)))
            guard messageBodyLength >= 0, messageBodyLength <= bodyLength else {
                throw malformed("the body of \(kind) \(index) is longer than its block")
            }
            let bodyStart = offset + metadataLength
            result.append(
                (header, UnsafeRawBufferPointer(rebasing: bytes[bodyStart..<(bodyStart + messageBodyLength)])))
        }
        return result
    }
}


/// Runs `body` once for every index in `0..<count`, possibly on several threads at once, and returns when every
/// call has returned: how the caller's threads are lent to a reader
/// (``ArrowFileReader/readTable(columns:batches:lastRead:parallel:)``).
public typealias ParallelFor = (_ count: Int, _ body: @Sendable (Int) -> Void) -> Void

/// A value the calls of a ``ParallelFor`` body share, each touching only its own part of it.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
