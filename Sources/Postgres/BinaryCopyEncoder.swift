/// Encodes rows in PostgreSQL's binary COPY format into a reusable byte buffer.
///
/// Write the header once, then per row `beginRow(fieldCount:)` followed by one `write…` call per field in
/// table-column order, then the trailer. Hand `bytes` to a `CopyInWriter` whenever `byteCount` passes a chunk
/// size and call `removeAll()`, which keeps the capacity, so encoding allocates nothing per row.
///
/// ```swift
/// var encoder = BinaryCopyEncoder()
/// encoder.writeHeader()
/// encoder.beginRow(fieldCount: 2)
/// encoder.writeInt64(42)
/// encoder.writeText("Zoë")
/// encoder.writeTrailer()
/// ```
/// The field types must match the table's columns exactly (`writeInt64` for `bigint`, `writeInt32` for
/// `integer`, …): binary COPY does not convert.
public struct BinaryCopyEncoder: Sendable {
    /// The buffer: the encoded bytes, then initialised space for more (zeros, or bytes of rows before the last
    /// `removeAll()`; grown by doubling, never shrunk), so that space reserved for a field or row is written in
    /// place rather than appended or zero-filled first. Only the first `byteCount` bytes are ever read.
    private var storage: [UInt8]
    /// The number of encoded bytes at the start of `storage`.
    public private(set) var byteCount = 0

    /// Creates an empty encoder with room for `capacity` bytes.
    public init(capacity: Int = 1 << 20) {
        storage = Array(repeating: 0, count: max(capacity, 64))
    }

    /// Bytes the encoder holds room for before its buffer grows.
    public var capacity: Int { storage.count }

    /// A copy of the encoded bytes so far (``withUnsafeBytes(_:)`` reads them without copying).
    public var bytes: [UInt8] { Array(storage[..<byteCount]) }

    /// Calls `body` with the encoded bytes, valid during the call.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<byteCount])) }
    }

    /// Forgets the encoded bytes, keeping the buffer.
    public mutating func removeAll() {
        byteCount = 0
    }

    /// Writes the file header: the `PGCOPY\n\377\r\n\0` signature, flags and header extension length.
    public mutating func writeHeader() {
        let signature: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00]
        signature.withUnsafeBytes { append($0) }
        appendBigEndian(UInt32(0))  // flags: no OIDs
        appendBigEndian(UInt32(0))  // header extension length
    }

    /// Writes the file trailer (a field count of -1).
    public mutating func writeTrailer() {
        appendBigEndian(UInt16(0xFFFF))
    }

    /// Starts a row of `fieldCount` fields.
    public mutating func beginRow(fieldCount: Int) {
        appendBigEndian(UInt16(truncatingIfNeeded: fieldCount))
    }

    /// Writes SQL NULL.
    public mutating func writeNull() {
        reserve(Self.nullFieldSize) { $0.writeNull() }
    }

    /// Writes a `bigint`.
    public mutating func writeInt64(_ value: Int64) {
        reserve(Self.fieldSize(valueSize: 8)) { $0.writeInt64(value) }
    }

    /// Writes an `integer`.
    public mutating func writeInt32(_ value: Int32) {
        appendBigEndian(UInt32(4))
        appendBigEndian(UInt32(bitPattern: value))
    }

    /// Writes a `smallint`.
    public mutating func writeInt16(_ value: Int16) {
        appendBigEndian(UInt32(2))
        appendBigEndian(UInt16(bitPattern: value))
    }

    /// Writes a `double precision`.
    public mutating func writeDouble(_ value: Double) {
        reserve(Self.fieldSize(valueSize: 8)) { $0.writeDouble(value) }
    }

    /// Writes a `real`.
    public mutating func writeFloat(_ value: Float) {
        appendBigEndian(UInt32(4))
        appendBigEndian(value.bitPattern)
    }

    /// Writes a `boolean`.
    public mutating func writeBool(_ value: Bool) {
        reserve(Self.fieldSize(valueSize: 1)) { $0.writeBool(value) }
    }

    /// Writes a `date` given as days since 1970-01-01 (sent as days since 2000-01-01).
    public mutating func writeDate(daysSince1970 days: Int32) {
        reserve(Self.fieldSize(valueSize: 4)) { $0.writeDate(daysSince1970: days) }
    }

    /// Writes a `timestamptz` (or `timestamp`) given as microseconds since 1970-01-01T00:00:00Z (sent as
    /// microseconds since 2000-01-01).
    public mutating func writeTimestamp(microsecondsSince1970 micros: Int64) {
        reserve(Self.fieldSize(valueSize: 8)) { $0.writeTimestamp(microsecondsSince1970: micros) }
    }

    /// Writes a `text`/`varchar` value from a string.
    /// - Precondition: the string holds no NUL character (PostgreSQL rejects it; the server reports an error).
    public mutating func writeText(_ value: String) {
        var value = value
        value.withUTF8 { writeText($0) }
    }

    /// Writes a `text`/`varchar` value from UTF-8 bytes (no NUL bytes).
    public mutating func writeText(_ utf8: UnsafeBufferPointer<UInt8>) {
        reserve(Self.fieldSize(valueSize: utf8.count)) { $0.writeText(utf8) }
    }

    /// Writes a `bytea` value.
    public mutating func writeBytes(_ value: UnsafeRawBufferPointer) {
        appendBigEndian(UInt32(truncatingIfNeeded: value.count))
        append(value)
    }

    /// Writes a `jsonb` value from JSON text.
    public mutating func writeJSONB(_ json: String) {
        var json = json
        json.withUTF8 { utf8 in
            appendBigEndian(UInt32(truncatingIfNeeded: utf8.count + 1))
            appendBigEndian(UInt8(1))  // jsonb binary format version
            append(UnsafeRawBufferPointer(utf8))
        }
    }

    @inline(__always)
    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append($0) }
    }

    private mutating func append(_ raw: UnsafeRawBufferPointer) {
        guard !raw.isEmpty else { return }
        ensureSpace(raw.count)
        storage.withUnsafeMutableBytes { buffer in
            (buffer.baseAddress! + byteCount).copyMemory(from: raw.baseAddress!, byteCount: raw.count)
        }
        byteCount += raw.count
    }

    /// Makes room for `count` more bytes after the encoded ones.
    @inline(__always)
    private mutating func ensureSpace(_ count: Int) {
        if byteCount + count > storage.count { grow(to: byteCount + count) }
    }

    private mutating func grow(to minimum: Int) {
        storage.append(contentsOf: repeatElement(0, count: max(minimum, 2 * storage.count) - storage.count))
    }
}

extension BinaryCopyEncoder {
    /// Encoded size of a NULL field (its length word).
    public static let nullFieldSize = 4

    /// Encoded size of a field of `valueSize` bytes (a length word, then the value).
    @inline(__always)
    public static func fieldSize(valueSize: Int) -> Int { 4 + valueSize }

    /// Writes one row of `fieldCount` fields into space reserved for it at once, for callers that know the row's
    /// encoded size: 2 bytes of field count plus, per field, ``nullFieldSize`` or ``fieldSize(valueSize:)``
    /// (8 bytes for `bigint`, `double precision` and `timestamptz`, 4 for `date`, 1 for `boolean`, the UTF-8 length
    /// for text). Cheaper than one `write…` call per field, each of which appends to the buffer.
    ///
    /// - Precondition: `body` writes exactly `byteCount - 2` bytes of fields.
    public mutating func writeRow(fieldCount: Int, byteCount: Int, _ body: (inout RowWriter) -> Void) {
        let written = reserve(atMost: byteCount) { writer in
            writer.put(UInt16(truncatingIfNeeded: fieldCount))
            body(&writer)
        }
        precondition(written == byteCount, "encoded \(written) bytes, \(byteCount) reserved")
    }

    /// Writes one row of `fieldCount` fields into space reserved for at most `maximumByteCount` bytes (field
    /// count included), for callers that know a bound cheaper than the exact size (a null field takes fewer bytes
    /// than a value); the row takes the bytes `body` writes.
    ///
    /// - Precondition: `body` writes at most `maximumByteCount - 2` bytes of fields.
    public mutating func writeRow(fieldCount: Int, maximumByteCount: Int, _ body: (inout RowWriter) -> Void) {
        reserve(atMost: maximumByteCount) { writer in
            writer.put(UInt16(truncatingIfNeeded: fieldCount))
            body(&writer)
        }
    }

    /// Appends exactly `byteCount` bytes, all written by `body`.
    @inline(__always)
    private mutating func reserve(_ byteCount: Int, _ body: (inout RowWriter) -> Void) {
        let written = reserve(atMost: byteCount, body)
        precondition(written == byteCount, "encoded \(written) bytes, \(byteCount) reserved")
    }

    /// Appends the bytes `body` writes, at most `limit`; returns how many it wrote.
    @inline(__always)
    @discardableResult
    private mutating func reserve(atMost limit: Int, _ body: (inout RowWriter) -> Void) -> Int {
        ensureSpace(limit)
        let start = byteCount
        let written = storage.withUnsafeMutableBytes { raw in
            var writer = RowWriter(base: raw.baseAddress! + start, end: limit)
            body(&writer)
            return writer.offset
        }
        byteCount += written
        return written
    }

    /// Writes the fields of one row into the space ``writeRow(fieldCount:byteCount:_:)`` reserved (the encoder's
    /// own `write…` methods go through it too); valid only during that call.
    public struct RowWriter {
        private let base: UnsafeMutableRawPointer
        /// The bytes reserved.
        private let end: Int
        /// Bytes written so far.
        public private(set) var offset = 0

        fileprivate init(base: UnsafeMutableRawPointer, end: Int) {
            self.base = base
            self.end = end
        }

        /// Copies `count` bytes; values up to 16 bytes long (most ids, names, codes) with two overlapping
        /// loads and stores instead of a call to `memmove`.
        @inline(__always)
        static func copy(_ source: UnsafeRawPointer, count: Int, to target: UnsafeMutableRawPointer) {
            switch count {
            case 8...16:
                let head = source.loadUnaligned(as: UInt64.self)
                let tail = source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                target.storeBytes(of: head, as: UInt64.self)
                target.storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
            case 4..<8:
                let head = source.loadUnaligned(as: UInt32.self)
                let tail = source.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                target.storeBytes(of: head, as: UInt32.self)
                target.storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
            case 1..<4:
                for index in 0..<count {
                    let byte = source.load(fromByteOffset: index, as: UInt8.self)
                    target.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
                }
            case 0:
                break
            default:
                target.copyMemory(from: source, byteCount: count)
            }
        }

        @inline(__always)
        fileprivate mutating func put<T: FixedWidthInteger>(_ value: T) {
            precondition(offset + MemoryLayout<T>.size <= end, "row written past the \(end) bytes reserved")
            base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: T.self)
            offset += MemoryLayout<T>.size
        }

        /// Writes SQL NULL.
        public mutating func writeNull() { put(UInt32(0xFFFF_FFFF)) }

        /// Writes a `bigint`.
        public mutating func writeInt64(_ value: Int64) {
            put(UInt32(8))
            put(UInt64(bitPattern: value))
        }

        /// Writes a `double precision`.
        public mutating func writeDouble(_ value: Double) {
            put(UInt32(8))
            put(value.bitPattern)
        }

        /// Writes a `boolean`.
        public mutating func writeBool(_ value: Bool) {
            put(UInt32(1))
            put(UInt8(value ? 1 : 0))
        }

        /// Writes a `date` given as days since 1970-01-01.
        public mutating func writeDate(daysSince1970 days: Int32) {
            put(UInt32(4))
            put(UInt32(bitPattern: days &- PostgresDateTime.postgresEpochDays))
        }

        /// Writes a `timestamptz` given as microseconds since 1970-01-01T00:00:00Z.
        public mutating func writeTimestamp(microsecondsSince1970 micros: Int64) {
            put(UInt32(8))
            put(UInt64(bitPattern: micros &- PostgresDateTime.postgresEpochMicroseconds))
        }

        /// Writes a `text` value from UTF-8 bytes (no NUL bytes).
        public mutating func writeText(_ utf8: UnsafeBufferPointer<UInt8>) {
            put(UInt32(truncatingIfNeeded: utf8.count))
            precondition(offset + utf8.count <= end, "row written past the \(end) bytes reserved")
            if let source = utf8.baseAddress {
                Self.copy(UnsafeRawPointer(source), count: utf8.count, to: base + offset)
            }
            offset += utf8.count
        }
    }
}
