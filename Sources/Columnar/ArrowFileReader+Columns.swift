// Decoding the body buffers of record batches into columns.

extension ArrowFileReader {
    /// One column's buffers within one record batch, bounds-checked against the batch body.
    struct Chunk {
        var length: Int
        var nullCount: Int
        /// The validity bitmap, present when `nullCount > 0`.
        var validity: UnsafeRawBufferPointer?
        /// The buffers after the validity bitmap (values; or offsets and bytes for strings).
        var buffers: [UnsafeRawBufferPointer]

        /// Whether row `index` of this chunk holds a value.
        @inline(__always)
        func isValid(_ index: Int) -> Bool {
            guard let validity else { return true }
            return validity[index >> 3] & (1 << UInt8(index & 7)) != 0
        }
    }

    /// Resolves the nodes and buffers of every column in `batch`.
    static func chunks(of batch: Batch, types: [SourceType]) throws(ColumnarError) -> [Chunk] {
        guard !types.isEmpty else { return [] }
        guard let nodes = try batch.recordBatch.vector(ArrowFormat.RecordBatch.nodes, elementSize: 16),
            let buffers = try batch.recordBatch.vector(ArrowFormat.RecordBatch.buffers, elementSize: 16)
        else {
            throw malformed("a record batch has no field nodes or buffers")
        }
        let bufferTotal = types.reduce(0) { $0 + $1.bufferCount }
        guard nodes.count >= types.count, buffers.count >= bufferTotal else {
            throw malformed(
                "a record batch has \(nodes.count) nodes and \(buffers.count) buffers for \(types.count) columns")
        }
        let body = batch.body
        // Every supported column needs at least one bit per row, which bounds the row count by the body size.
        guard batch.length <= body.count * 8 else {
            throw malformed("a record batch claims \(batch.length) rows but its body has only \(body.count) bytes")
        }
        func buffer(_ index: Int) throws(ColumnarError) -> UnsafeRawBufferPointer {
            let offset = Int(buffers.load(index, at: 0, as: Int64.self))
            let length = Int(buffers.load(index, at: 8, as: Int64.self))
            guard offset >= 0, length >= 0, offset <= body.count, length <= body.count - offset else {
                throw malformed("buffer \(index) of a record batch lies outside its body")
            }
            return UnsafeRawBufferPointer(rebasing: body[offset..<(offset + length)])
        }
        var result: [Chunk] = []
        result.reserveCapacity(types.count)
        var bufferIndex = 0
        for (index, type) in types.enumerated() {
            let length = Int(nodes.load(index, at: 0, as: Int64.self))
            let nullCount = Int(nodes.load(index, at: 8, as: Int64.self))
            guard length == batch.length, nullCount >= 0, nullCount <= length else {
                throw malformed(
                    "column \(index) has \(length) rows and \(nullCount) nulls in a \(batch.length)-row batch")
            }
            let validity = try buffer(bufferIndex)
            var data: [UnsafeRawBufferPointer] = []
            for offset in 1..<type.bufferCount { data.append(try buffer(bufferIndex + offset)) }
            bufferIndex += type.bufferCount
            if nullCount > 0 {
                guard validity.count >= (length + 7) / 8 else {
                    throw malformed("the validity bitmap of column \(index) is too short")
                }
            }
            let needed: Int
            switch type {
            case .int(let bitWidth, _): needed = length * bitWidth / 8
            case .float32, .date32: needed = length * 4
            case .float64, .date64, .timestamp: needed = length * 8
            case .bool: needed = (length + 7) / 8
            case .utf8: needed = length == 0 ? 0 : (length + 1) * 4
            case .largeUTF8: needed = length == 0 ? 0 : (length + 1) * 8
            case .dictionary(let bitWidth, _, _): needed = length * bitWidth / 8
            }
            guard data[0].count >= needed else {
                throw malformed("the data buffer of column \(index) holds \(data[0].count) bytes, expected \(needed)")
            }
            result.append(
                Chunk(length: length, nullCount: nullCount, validity: nullCount > 0 ? validity : nil, buffers: data))
        }
        return result
    }

    /// Builds one column from its chunks in all batches.
    static func column(
        _ descriptor: ColumnDescriptor, type: SourceType, chunks: [Chunk], rowCount: Int,
        dictionaries: [Int64: StringColumn]
    ) throws(ColumnarError) -> Column {
        let validity = self.validity(chunks, rowCount: rowCount)
        var values: ColumnValues
        switch type {
        case .int(let bitWidth, let isSigned):
            values = .int64(
                gather(chunks, rowCount: rowCount) { source, destination in
                    switch (bitWidth, isSigned) {
                    case (64, _): copy(source, into: destination)
                    case (32, true): widen(source, Int32.self, into: destination) { Int64($0) }
                    case (16, true): widen(source, Int16.self, into: destination) { Int64($0) }
                    case (8, true): widen(source, Int8.self, into: destination) { Int64($0) }
                    case (32, false): widen(source, UInt32.self, into: destination) { Int64($0) }
                    case (16, false): widen(source, UInt16.self, into: destination) { Int64($0) }
                    default: widen(source, UInt8.self, into: destination) { Int64($0) }
                    }
                })
        case .float64:
            values = .float64(gather(chunks, rowCount: rowCount) { copy($0, into: $1) })
        case .float32:
            values = .float64(
                gather(chunks, rowCount: rowCount) { source, destination in
                    widen(source, UInt32.self, into: destination) { Double(Float(bitPattern: $0)) }
                })
        case .date32:
            values = .date32(gather(chunks, rowCount: rowCount) { copy($0, into: $1) })
        case .date64:
            values = .date32(
                gather(chunks, rowCount: rowCount) { source, destination in
                    widen(source, Int64.self, into: destination) { milliseconds in
                        let days = milliseconds / 86_400_000 - (milliseconds % 86_400_000 < 0 ? 1 : 0)
                        return Int32(clamping: days)
                    }
                })
        case .timestamp(let unit):
            var overflowed = false
            let converted: [Int64] = gather(chunks, rowCount: rowCount) { source, destination in
                switch unit {
                case ArrowFormat.TimeUnit.microsecond:
                    copy(source, into: destination)
                case ArrowFormat.TimeUnit.nanosecond:
                    widen(source, Int64.self, into: destination) { $0 / 1000 - ($0 % 1000 < 0 ? 1 : 0) }
                default:
                    let factor: Int64 = unit == ArrowFormat.TimeUnit.second ? 1_000_000 : 1000
                    widen(source, Int64.self, into: destination) { value in
                        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
                        if overflow { overflowed = true }
                        return product
                    }
                }
            }
            guard !overflowed else {
                throw ColumnarError(
                    .unsupportedType, "column \"\(descriptor.name)\" holds timestamps beyond the microsecond range")
            }
            values = .timestamp(converted)
        case .bool:
            var flags = [Bool](repeating: false, count: rowCount)
            flags.withUnsafeMutableBufferPointer { flags in
                var start = 0
                for chunk in chunks {
                    let bits = chunk.buffers[0]
                    for index in 0..<chunk.length {
                        flags[start + index] = bits[index >> 3] & (1 << UInt8(index & 7)) != 0
                    }
                    start += chunk.length
                }
            }
            values = .bool(flags)
        case .utf8, .largeUTF8:
            values = .utf8(try strings(chunks, rowCount: rowCount, isLarge: isLarge(type)))
        case .dictionary(let bitWidth, let isSigned, let id):
            let dictionary = dictionaries[id] ?? StringColumn()
            values = .dictionary(
                try codes(chunks, rowCount: rowCount, bitWidth: bitWidth, isSigned: isSigned, dictionary: dictionary))
        }
        if let validity { clearNullSlots(&values, validity: validity) }
        return Column(name: descriptor.name, values: values, validity: validity)
    }

    static func isLarge(_ type: SourceType) -> Bool {
        if case .largeUTF8 = type { return true }
        return false
    }

    /// Per-row validity over all chunks, or `nil` when no chunk has nulls.
    private static func validity(_ chunks: [Chunk], rowCount: Int) -> [Bool]? {
        guard chunks.contains(where: { $0.nullCount > 0 }) else { return nil }
        var flags = [Bool](repeating: true, count: rowCount)
        flags.withUnsafeMutableBufferPointer { flags in
            var start = 0
            for chunk in chunks {
                if chunk.validity != nil {
                    for index in 0..<chunk.length { flags[start + index] = chunk.isValid(index) }
                }
                start += chunk.length
            }
        }
        return flags
    }

    /// Allocates `rowCount` values and lets `fill` convert each chunk's first buffer into its slice.
    private static func gather<T: Numeric>(
        _ chunks: [Chunk], rowCount: Int,
        _ fill: (UnsafeRawBufferPointer, UnsafeMutableBufferPointer<T>) -> Void
    ) -> [T] {
        [T](unsafeUninitializedCapacity: rowCount) { all, initialized in
            var start = 0
            for chunk in chunks where start + chunk.length <= rowCount {
                fill(chunk.buffers[0], UnsafeMutableBufferPointer(rebasing: all[start..<(start + chunk.length)]))
                start += chunk.length
            }
            // Chunk lengths add up to the row count (checked when the batches were read); zero any shortfall.
            for index in start..<rowCount { all[index] = 0 }
            initialized = rowCount
        }
    }

    private static func copy<T>(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableBufferPointer<T>) {
        let byteCount = destination.count * MemoryLayout<T>.stride
        UnsafeMutableRawBufferPointer(destination).copyMemory(
            from: UnsafeRawBufferPointer(rebasing: source[0..<byteCount]))
    }

    @inline(__always)
    private static func widen<S: FixedWidthInteger, T>(
        _ source: UnsafeRawBufferPointer, _ type: S.Type, into destination: UnsafeMutableBufferPointer<T>,
        _ convert: (S) -> T
    ) {
        let stride = MemoryLayout<S>.size
        for index in 0..<destination.count {
            destination[index] = convert(
                S(littleEndian: source.loadUnaligned(fromByteOffset: index * stride, as: S.self)))
        }
    }

    /// Sets the value under every null slot to zero, false or the empty string.
    private static func clearNullSlots(_ values: inout ColumnValues, validity: [Bool]) {
        func clear<T>(_ array: inout [T], _ zero: T) {
            for index in validity.indices where !validity[index] { array[index] = zero }
        }
        switch values {
        case .int64(var array):
            values = .bool([])  // drop the enum's reference so the array is mutated in place, not copied
            clear(&array, 0)
            values = .int64(array)
        case .timestamp(var array):
            values = .bool([])  // drop the enum's reference so the array is mutated in place, not copied
            clear(&array, 0)
            values = .timestamp(array)
        case .float64(var array):
            values = .bool([])  // drop the enum's reference so the array is mutated in place, not copied
            clear(&array, 0)
            values = .float64(array)
        case .date32(var array):
            values = .bool([])  // drop the enum's reference so the array is mutated in place, not copied
            clear(&array, 0)
            values = .date32(array)
        case .bool(var array):
            values = .bool([])  // drop the enum's reference so the array is mutated in place, not copied
            clear(&array, false)
            values = .bool(array)
        case .utf8, .dictionary:
            break  // `strings` already left null slots empty, `codes` set them to -1
        }
    }

    /// The dictionary index at `index` of an index buffer (a negative index of an unsigned type cannot occur).
    @inline(__always)
    static func index(_ buffer: UnsafeRawBufferPointer, at index: Int, bitWidth: Int, isSigned: Bool) -> Int {
        switch (bitWidth, isSigned) {
        case (32, true): Int(Int32(littleEndian: buffer.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
        case (32, false): Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
        case (64, _): Int(Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
        case (16, true): Int(Int16(littleEndian: buffer.loadUnaligned(fromByteOffset: index * 2, as: Int16.self)))
        case (16, false): Int(UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        case (_, true): Int(buffer.load(fromByteOffset: index, as: Int8.self))
        default: Int(buffer.load(fromByteOffset: index, as: UInt8.self))
        }
    }

    /// The codes of a dictionary-encoded column over all chunks, each checked to lie in `dictionary`; null slots
    /// get -1.
    private static func codes(
        _ chunks: [Chunk], rowCount: Int, bitWidth: Int, isSigned: Bool, dictionary: StringColumn
    ) throws(ColumnarError) -> DictionaryColumn {
        let limit = dictionary.count
        var outside = false
        let codes = [Int32](unsafeUninitializedCapacity: rowCount) { all, initialized in
            var start = 0
            for chunk in chunks where start + chunk.length <= rowCount {
                let source = chunk.buffers[0]
                if bitWidth == 32, isSigned, chunk.validity == nil {
                    // Segpipe's own files: a copy, then one pass for the range.
                    let target = UnsafeMutableBufferPointer(rebasing: all[start..<(start + chunk.length)])
                    UnsafeMutableRawBufferPointer(target).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: source[0..<(chunk.length * 4)]))
                    if !DictionaryColumn.codesFit(UnsafeBufferPointer(target), dictionaryCount: limit) {
                        outside = true
                    }
                    // -1 is a valid code in memory but not a valid index in a file.
                    if target.contains(-1) { outside = true }
                } else {
                    for row in 0..<chunk.length {
                        var code = -1
                        if chunk.isValid(row) {
                            code = index(source, at: row, bitWidth: bitWidth, isSigned: isSigned)
                            if code < 0 || code >= limit { outside = true; code = -1 }
                        }
                        all[start + row] = Int32(truncatingIfNeeded: code)
                    }
                }
                start += chunk.length
            }
            for index in start..<rowCount { all[index] = -1 }
            initialized = rowCount
        }
        guard !outside else {
            throw malformed("a dictionary index lies outside its dictionary of \(limit) strings")
        }
        return DictionaryColumn(unchecked: codes, dictionary: dictionary)
    }

    /// Concatenates the string chunks, checking every offset; null slots become empty strings.
    static func strings(_ chunks: [Chunk], rowCount: Int, isLarge: Bool) throws(ColumnarError) -> StringColumn {
        var byteTotal = 0
        var chunkRows = 0
        for chunk in chunks where chunk.length > 0 {
            let (first, last) = try checkedOffsetRange(chunk, isLarge: isLarge)
            byteTotal += last - first
            chunkRows += chunk.length
        }
        guard chunkRows == rowCount else {
            throw ColumnarError(.malformedFile, "string column has \(chunkRows) values for \(rowCount) rows")
        }
        // Both buffers are sized once and filled through pointers: no per-row append.
        var bytes: [UInt8] = []
        let offsets = [Int](unsafeUninitializedCapacity: rowCount + 1) { offsetBuffer, offsetCount in
            offsetBuffer[0] = 0
            var position = 1
            bytes = [UInt8](unsafeUninitializedCapacity: byteTotal) { target, initialized in
                var written = 0
                for chunk in chunks where chunk.length > 0 {
                    let source = chunk.buffers[0]
                    let data = chunk.buffers[1]
                    func offset(_ index: Int) -> Int {
                        isLarge
                            ? Int(Int64(littleEndian: source.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
                            : Int(Int32(littleEndian: source.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
                    }
                    func copy(_ start: Int, _ end: Int) {
                        guard end > start, let destination = target.baseAddress, let origin = data.baseAddress else {
                            return
                        }
                        (destination + written).initialize(
                            from: (origin + start).assumingMemoryBound(to: UInt8.self), count: end - start)
                        written += end - start
                    }
                    let first = offset(0)
                    if chunk.validity == nil {
                        let base = written - first
                        copy(first, offset(chunk.length))
                        for index in 1...chunk.length {
                            offsetBuffer[position] = base + offset(index)
                            position += 1
                        }
                    } else {
                        var start = first
                        for index in 0..<chunk.length {
                            let end = offset(index + 1)
                            if chunk.isValid(index) { copy(start, end) }
                            offsetBuffer[position] = written
                            position += 1
                            start = end
                        }
                    }
                }
                initialized = written
            }
            offsetCount = position
        }
        return StringColumn(offsets: offsets, bytes: bytes)
    }

    /// Checks that a chunk's offsets start at or after 0, never decrease and stay within its data buffer.
    private static func checkedOffsetRange(_ chunk: Chunk, isLarge: Bool) throws(ColumnarError) -> (Int, Int) {
        let source = chunk.buffers[0]
        var isValid = true
        var first = 0
        var previous = 0
        if isLarge {
            first = Int(Int64(littleEndian: source.loadUnaligned(fromByteOffset: 0, as: Int64.self)))
            previous = first
            for index in 1...chunk.length {
                let value = Int(Int64(littleEndian: source.loadUnaligned(fromByteOffset: index * 8, as: Int64.self)))
                isValid = isValid && value >= previous
                previous = value
            }
        } else {
            first = Int(Int32(littleEndian: source.loadUnaligned(fromByteOffset: 0, as: Int32.self)))
            previous = first
            for index in 1...chunk.length {
                let value = Int(Int32(littleEndian: source.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
                isValid = isValid && value >= previous
                previous = value
            }
        }
        guard isValid, first >= 0, previous <= chunk.buffers[1].count else {
            throw malformed("string offsets are out of order or point outside their data buffer")
        }
        return (first, previous)
    }
}
