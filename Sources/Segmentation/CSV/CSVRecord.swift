/// One record of a CSV file, valid only inside the `forEachRecord` closure that received it.
///
/// A record is a view into the reader's buffers: reading fields allocates nothing. Copy what you keep
/// (``string(at:)``) before the closure returns.
public struct CSVRecord {
    /// The 1-based physical line where the record starts (a record with embedded line breaks spans several).
    public let lineNumber: Int
    /// The number of fields (a trailing empty field beyond the header's count is not counted).
    public let fieldCount: Int

    let buffer: UnsafePointer<UInt8>
    let scratch: UnsafePointer<UInt8>
    let starts: UnsafePointer<Int>
    let lengths: UnsafePointer<Int>
    let rawStart: Int
    let rawCount: Int
    let encoding: CSVEncoding

    /// The unescaped UTF-8 bytes of field `index` (quotes removed, doubled quotes undone, converted to UTF-8).
    ///
    /// - Precondition: `index < fieldCount`.
    @inline(__always)
    public func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        precondition(index >= 0 && index < fieldCount, "CSV field index \(index) out of range 0..<\(fieldCount)")
        let start = starts[index]
        let base = start >= 0 ? buffer + start : scratch + (-1 - start)
        return UnsafeBufferPointer(start: base, count: lengths[index])
    }

    /// The record exactly as it is in the file (in the file's encoding, without the line break), for rejects.
    public var rawLine: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: buffer + rawStart, count: rawCount)
    }

    /// Whether the record is well-formed UTF-8; always `true` for single-byte encodings, which are converted.
    public var isValidUTF8: Bool {
        encoding != .utf8 || CSVText.isValidUTF8(rawLine)
    }

    /// Field `index` as a string (allocates; invalid UTF-8 is replaced with U+FFFD).
    public func string(at index: Int) -> String {
        String(decoding: field(index), as: UTF8.self)
    }

    /// All fields as strings (allocates; for tests, rejects and diagnostics, not for hot loops).
    public func strings() -> [String] {
        (0..<fieldCount).map { string(at: $0) }
    }

    /// The raw record as a string decoded from the file's encoding (allocates; for rejects).
    public func rawLineText() -> String {
        CSVText.decode(rawLine, encoding: encoding)
    }
}

@available(*, unavailable, message: "a CSVRecord points into the reader's buffers and must not leave its closure")
extension CSVRecord: Sendable {}
