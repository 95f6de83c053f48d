/// Encodes rows in PostgreSQL's text COPY format (tab-separated, `\N` for NULL, backslash escapes).
///
/// Call one `write…` per field, then `endRow()`. Like `BinaryCopyEncoder`, hand `bytes` to a `CopyInWriter`
/// and `removeAll()` when `byteCount` passes a chunk size. Binary COPY is about twice as fast to load; text
/// is handy for ad hoc data and debugging.
public struct CopyTextEncoder: Sendable {
    /// The encoded bytes so far.
    public private(set) var bytes: [UInt8]
    private var isRowStart = true

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
        isRowStart = true
    }

    /// Ends the current row.
    public mutating func endRow() {
        bytes.append(0x0A)
        isRowStart = true
    }

    /// Writes SQL NULL.
    public mutating func writeNull() {
        separate()
        bytes.append(contentsOf: [0x5C, 0x4E])
    }

    /// Writes text, escaping backslash, tab, newline and carriage return.
    public mutating func writeText(_ value: String) {
        var value = value
        value.withUTF8 { writeText($0) }
    }

    /// Writes text from UTF-8 bytes, escaping backslash, tab, newline and carriage return.
    public mutating func writeText(_ utf8: UnsafeBufferPointer<UInt8>) {
        separate()
        for byte in utf8 {
            switch byte {
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            default: bytes.append(byte)
            }
        }
    }

    /// Writes an integer.
    public mutating func writeInt64(_ value: Int64) {
        separate()
        if value == 0 {
            bytes.append(0x30)
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 20 characters, written backwards
        withUnsafeMutableBytes(of: &digits) { buffer in
            var index = buffer.count
            while magnitude > 0 {
                index -= 1
                buffer[index] = UInt8(truncatingIfNeeded: magnitude % 10) + 0x30
                magnitude /= 10
            }
            if value < 0 {
                index -= 1
                buffer[index] = 0x2D
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[index...]))
        }
    }

    /// Writes a double (shortest text that reads back exactly; NaN and ±Infinity included).
    public mutating func writeDouble(_ value: Double) {
        separate()
        bytes.append(contentsOf: PostgresDateTime.floatText(value).utf8)
    }

    /// Writes a boolean (`t` or `f`).
    public mutating func writeBool(_ value: Bool) {
        separate()
        bytes.append(value ? 0x74 : 0x66)
    }

    /// Writes a date given as days since 1970-01-01.
    public mutating func writeDate(daysSince1970 days: Int32) {
        separate()
        bytes.append(contentsOf: PostgresDateTime.dateText(daysSince1970: days).utf8)
    }

    /// Writes a timestamp given as microseconds since 1970-01-01T00:00:00Z (with offset `+00`).
    public mutating func writeTimestamp(microsecondsSince1970 micros: Int64) {
        separate()
        bytes.append(contentsOf: PostgresDateTime.timestampText(microsecondsSince1970: micros).utf8)
    }

    @inline(__always)
    private mutating func separate() {
        if isRowStart {
            isRowStart = false
        } else {
            bytes.append(0x09)
        }
    }
}
