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

    /// A new column holding the strings at `indices`, in that order.
    public func gathering(_ indices: some Collection<Int>) -> StringColumn {
        var result = StringColumn(capacity: indices.count)
        bytes.withUnsafeBufferPointer { all in
            for index in indices {
                result.append(utf8: UnsafeBufferPointer(rebasing: all[offsets[index]..<offsets[index + 1]]))
            }
        }
        return result
    }
}
