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
    /// The encoded bytes so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty encoder with room for `capacity` bytes.
    public init(capacity: Int = 1 << 20) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The number of encoded bytes held.
    public var byteCount: Int { bytes.count }

    /// Forgets the encoded bytes, keeping the buffer's capacity.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// Writes the file header: the `PGCOPY\n\377\r\n\0` signature, flags and header extension length.
    public mutating func writeHeader() {
        bytes.append(contentsOf: [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00])
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
        bytes.append(contentsOf: value)
    }

    /// Writes a `jsonb` value from JSON text.
    public mutating func writeJSONB(_ json: String) {
        var json = json
        json.withUTF8 { utf8 in
            appendBigEndian(UInt32(truncatingIfNeeded: utf8.count + 1))
            bytes.append(1)  // jsonb binary format version
            bytes.append(contentsOf: utf8)
        }
    }

    @inline(__always)
    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
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
        reserve(byteCount) { writer in
            writer.put(UInt16(truncatingIfNeeded: fieldCount))
            body(&writer)
        }
    }

    /// Appends `byteCount` bytes, all written by `body`.
    @inline(__always)
    private mutating func reserve(_ byteCount: Int, _ body: (inout RowWriter) -> Void) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: byteCount))
        bytes.withUnsafeMutableBytes { raw in
            var writer = RowWriter(base: raw.baseAddress! + start, end: byteCount)
            body(&writer)
            precondition(writer.offset == byteCount, "encoded \(writer.offset) bytes, \(byteCount) reserved")
        }
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
            if let source = utf8.baseAddress, !utf8.isEmpty {
                (base + offset).copyMemory(from: source, byteCount: utf8.count)
            }
            offset += utf8.count
        }
    }
}
