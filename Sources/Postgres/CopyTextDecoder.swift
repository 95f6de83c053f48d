/// Splits the text-format output of `COPY … TO STDOUT` into rows and fields, undoing backslash escapes.
///
/// Feed it the chunks `PostgresConnection.copyOut(_:_:)` delivers, in order; rows may span chunks. Each
/// complete row is handed to the callback as a `CopyTextRow`, whose typed accessors parse without creating
/// strings. Buffers are reused, so decoding allocates nothing per row once warmed up.
///
/// ```swift
/// var decoder = CopyTextDecoder()
/// try db.copyOut("COPY (SELECT id, name FROM t) TO STDOUT") { chunk in
///     try decoder.decode(chunk) { row in ids.append(try row.int64(0)); names.append(row.string(1)) }
/// }
/// try decoder.finish()
/// ```
public struct CopyTextDecoder {
    private enum State {
        case normal
        case backslash
        case octal(value: UInt8, digits: Int)
        case hexStart
        case hex(value: UInt8)
    }

    private var state = State.normal
    private var storage: [UInt8] = []
    private var ends: [Int] = []
    private var nulls: [Bool] = []
    /// Raw bytes consumed by the current field, to recognise a field that is exactly `\N`.
    private var fieldRawCount = 0
    private var fieldStartsWithNullMarker = false
    /// The number of complete rows decoded so far.
    public private(set) var rowCount = 0

    /// Creates a decoder.
    public init() {}

    /// Decodes a chunk, calling `row` for every row it completes.
    public mutating func decode(
        _ chunk: UnsafeRawBufferPointer, _ row: (CopyTextRow) throws -> Void
    ) rethrows {
        for byte in chunk {
            switch state {
            case .normal:
                switch byte {
                case 0x09:
                    endField()
                case 0x0A:
                    endField()
                    rowCount += 1
                    try row(CopyTextRow(storage: storage, ends: ends, nulls: nulls, rowNumber: rowCount))
                    storage.removeAll(keepingCapacity: true)
                    ends.removeAll(keepingCapacity: true)
                    nulls.removeAll(keepingCapacity: true)
                case 0x5C:
                    state = .backslash
                    fieldRawCount += 1
                default:
                    storage.append(byte)
                    fieldRawCount += 1
                }
            case .backslash:
                fieldRawCount += 1
                state = .normal
                switch byte {
                case 0x4E:  // N
                    if fieldRawCount == 2 { fieldStartsWithNullMarker = true }
                    storage.append(byte)
                case 0x62: storage.append(0x08)  // b
                case 0x66: storage.append(0x0C)  // f
                case 0x6E: storage.append(0x0A)  // n
                case 0x72: storage.append(0x0D)  // r
                case 0x74: storage.append(0x09)  // t
                case 0x76: storage.append(0x0B)  // v
                case 0x78: state = .hexStart  // x
                case 0x30...0x37: state = .octal(value: byte - 0x30, digits: 1)
                default: storage.append(byte)
                }
            case .octal(let value, let digits):
                if (0x30...0x37).contains(byte) && digits < 3 {
                    fieldRawCount += 1
                    let next = value &* 8 &+ (byte - 0x30)
                    if digits == 2 {
                        storage.append(next)
                        state = .normal
                    } else {
                        state = .octal(value: next, digits: digits + 1)
                    }
                } else {
                    storage.append(value)
                    state = .normal
                    try reprocess(byte, row)
                }
            case .hexStart:
                if let digit = Self.hexValue(byte) {
                    fieldRawCount += 1
                    state = .hex(value: digit)
                } else {
                    storage.append(0x78)  // a lone \x is a literal x
                    state = .normal
                    try reprocess(byte, row)
                }
            case .hex(let value):
                state = .normal
                if let digit = Self.hexValue(byte) {
                    fieldRawCount += 1
                    storage.append(value &* 16 &+ digit)
                } else {
                    storage.append(value)
                    try reprocess(byte, row)
                }
            }
        }
    }

    /// Checks that the data ended at a row boundary.
    /// - Throws: `PostgresError(.copy)` when an incomplete row is left.
    public func finish() throws {
        if fieldRawCount > 0 || !ends.isEmpty || !storage.isEmpty {
            throw PostgresError(.copy, "COPY text data ended inside row \(rowCount + 1) (no final newline)")
        }
    }

    private mutating func reprocess(_ byte: UInt8, _ row: (CopyTextRow) throws -> Void) rethrows {
        var byte = byte
        try withUnsafeBytes(of: &byte) { try decode($0, row) }
    }

    private mutating func endField() {
        let isNull = fieldStartsWithNullMarker && fieldRawCount == 2
        if isNull { storage.removeLast() }
        ends.append(storage.count)
        nulls.append(isNull)
        fieldRawCount = 0
        fieldStartsWithNullMarker = false
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
