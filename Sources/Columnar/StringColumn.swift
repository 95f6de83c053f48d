#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// UTF-8 strings stored back to back in one byte buffer with an offsets array, as Arrow stores them.
///
/// String `i` is `bytes[offsets[i] ..< offsets[i + 1]]`. Appending never allocates per string beyond
/// the amortised growth of the two buffers.
public struct StringColumn: Sendable, Hashable {
    /// Start offsets into `bytes`; always `count + 1` entries, starting at 0.
    public private(set) var offsets: [Int]
    /// The concatenated UTF-8 bytes of all strings.
    public private(set) var bytes: [UInt8]

    /// Creates an empty column, optionally reserving room for `capacity` strings.
    public init(capacity: Int = 0, byteCapacity: Int = 0) {
        offsets = [0]
        offsets.reserveCapacity(capacity + 1)
        bytes = []
        bytes.reserveCapacity(byteCapacity)
    }

    /// Creates a column from Swift strings.
    public init<S: Sequence>(_ strings: S) where S.Element == String {
        self.init()
        for string in strings { append(string) }
    }

    /// Creates a column from raw buffers; `offsets` must start at 0, be non-decreasing and end at `bytes.count`.
    public init(offsets: [Int], bytes: [UInt8]) {
        precondition(offsets.first == 0 && offsets.last == bytes.count, "offsets do not match the byte buffer")
        self.offsets = offsets
        self.bytes = bytes
    }

    /// Number of strings.
    public var count: Int { offsets.count - 1 }

    /// Appends a string.
    public mutating func append(_ string: String) {
        var copy = string
        copy.withUTF8 { bytes.append(contentsOf: $0) }
        offsets.append(bytes.count)
    }

    /// Appends the UTF-8 bytes of one string.
    public mutating func append(utf8 buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
        offsets.append(bytes.count)
    }

    /// Appends every string of `other`.
    public mutating func append(contentsOf other: StringColumn) {
        let shift = bytes.count
        bytes.append(contentsOf: other.bytes)
        offsets.reserveCapacity(offsets.count + other.count)
        other.offsets.withUnsafeBufferPointer { otherOffsets in
            for index in 1..<otherOffsets.count { offsets.append(otherOffsets[index] + shift) }
        }
    }

    /// Appends an empty string (used for null slots).
    public mutating func appendEmpty() {
        offsets.append(bytes.count)
    }

    /// The string at `index`.
    public subscript(index: Int) -> String {
        let start = offsets[index]
        let end = offsets[index + 1]
        return bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self)
        }
    }

    /// Calls `body` with the UTF-8 bytes of the string at `index`, without allocating.
    public func withUTF8<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let start = offsets[index]
        let end = offsets[index + 1]
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }

    /// Byte length of the string at `index`.
    public func byteCount(at index: Int) -> Int { offsets[index + 1] - offsets[index] }

    /// Calls `body` with the offsets (`count + 1` entries) and the bytes.
    ///
    /// For loops over many strings that should not pay a bounds or uniqueness check per access. String `i` is
    /// `bytes[offsets[i] ..< offsets[i + 1]]`.
    public func withUnsafeStorage<R>(
        _ body: (UnsafeBufferPointer<Int>, UnsafeBufferPointer<UInt8>) throws -> R
    ) rethrows -> R {
        try offsets.withUnsafeBufferPointer { offsets in
            try bytes.withUnsafeBufferPointer { bytes in try body(offsets, bytes) }
        }
    }

    /// Whether every string sorts after the one before it, byte by byte (a shorter string before its extensions),
    /// or, unless `strictly`, equals it.
    ///
    /// One pass comparing neighbours: a column already in byte order, as ids often are, needs no sort, and strictly
    /// ascending it holds no string twice, without hashing every string.
    /// - Complexity: O(bytes).
    public func isAscending(strictly: Bool) -> Bool {
        withUnsafeStorage { offsets, bytes in
            // Without bytes every string is empty: equal neighbours.
            guard let base = bytes.baseAddress else { return count <= 1 || !strictly }
            for index in 1..<max(count, 1) {
                let (previousStart, start, end) = (offsets[index - 1], offsets[index], offsets[index + 1])
                let (previousLength, length) = (start - previousStart, end - start)
                let order = memcmp(base + previousStart, base + start, min(previousLength, length))
                if order > 0 || (order == 0 && (previousLength > length || (strictly && previousLength == length))) {
                    return false
                }
            }
            return true
        }
    }

    /// A new column holding the strings at `indices`, in that order.
    ///
    /// Sizes the result exactly first, and copies runs of consecutive indices with one `memcpy` each, so keeping
    /// most rows of a column costs about one pass over its bytes.
    public func gathering(_ indices: [Int]) -> StringColumn {
        if indices.count == count, indices.elementsEqual(0..<count) { return self }
        return withUnsafeStorage { offsets, bytes in
            indices.withUnsafeBufferPointer { indices in
                var byteTotal = 0
                for index in indices { byteTotal += offsets[index + 1] - offsets[index] }
                // Every entry is written below before the column is built.
                var offsetsOut = [Int](unsafeUninitializedCapacity: indices.count + 1) { newOffsets, offsetCount in
                    newOffsets[0] = 0
                    offsetCount = indices.count + 1
                }
                let newBytes = [UInt8](unsafeUninitializedCapacity: byteTotal) { target, initialized in
                    offsetsOut.withUnsafeMutableBufferPointer { newOffsets in
                        var written = 0
                        var position = 0
                        var runStart = -1
                        var runEnd = -1
                        func flush() {
                            guard runStart >= 0 else { return }
                            let from = offsets[runStart]
                            let length = offsets[runEnd] - from
                            if length > 0, let source = bytes.baseAddress, let destination = target.baseAddress {
                                (destination + written).initialize(from: source + from, count: length)
                            }
                            written += length
                        }
                        for index in indices {
                            if index != runEnd {
                                flush()
                                runStart = index
                            }
                            runEnd = index + 1
                            position += 1
                            newOffsets[position] = written + offsets[runEnd] - offsets[runStart]
                        }
                        flush()
                    }
                    initialized = byteTotal
                }
                return StringColumn(offsets: offsetsOut, bytes: newBytes)
            }
        }
    }
}
