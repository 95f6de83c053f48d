import Postgres
import Testing

@Suite struct BinaryCopyEncoderTests {
    @Test func headerRowAndTrailerHaveTheWireLayout() {
        var encoder = BinaryCopyEncoder()
        encoder.writeHeader()
        #expect(
            encoder.bytes == [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00] + [
                0, 0, 0, 0, 0, 0, 0, 0,
            ])
        encoder.removeAll()
        encoder.beginRow(fieldCount: 4)
        encoder.writeInt32(-2)
        encoder.writeNull()
        encoder.writeDate(daysSince1970: 10_958)  // 2000-01-02: day 1 of PostgreSQL's epoch
        encoder.writeTimestamp(microsecondsSince1970: 946_684_800_000_000 - 1)
        encoder.writeTrailer()
        #expect(
            encoder.bytes == [0, 4] + [0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFE] + [0xFF, 0xFF, 0xFF, 0xFF]
                + [0, 0, 0, 4, 0, 0, 0, 1] + [0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
                + [0xFF, 0xFF])
    }

    @Test func removeAllKeepsCapacity() {
        var encoder = BinaryCopyEncoder(capacity: 4096)
        encoder.writeText("hello")
        encoder.removeAll()
        #expect(encoder.byteCount == 0)
        #expect(encoder.capacity >= 4096)
    }

    /// Texts of every length around the short-copy cases (0–3, 4–7, 8–16 bytes, longer) and rows past the
    /// initial capacity are written whole, byte for byte.
    @Test func textsOfEveryLengthAndGrowthKeepEveryByte() {
        var encoder = BinaryCopyEncoder(capacity: 16)
        var expected: [UInt8] = []
        for length in 0...40 {
            let text = (0..<length).map { UInt8(truncatingIfNeeded: 0x41 + $0 * 7 + length) }
            text.withUnsafeBufferPointer { value in
                encoder.writeRow(fieldCount: 1, byteCount: 2 + BinaryCopyEncoder.fieldSize(valueSize: length)) {
                    $0.writeText(value)
                }
            }
            expected += [0, 1] + [0, 0, 0, UInt8(length)] + text
        }
        #expect(encoder.bytes == expected)
        #expect(encoder.withUnsafeBytes { Array($0) } == expected)
        #expect(encoder.capacity >= expected.count)
    }

    /// A row written within a bound takes only the bytes written (a null is shorter than the value it bounds).
    @Test func aRowWithinABoundTakesTheBytesWritten() {
        var encoder = BinaryCopyEncoder()
        encoder.writeRow(fieldCount: 2, maximumByteCount: 2 + 12 + 12) { row in
            row.writeInt64(7)
            row.writeNull()
        }
        encoder.writeTrailer()
        #expect(encoder.bytes == [0, 2] + [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 7] + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test func aRowWrittenAtOnceEqualsTheSameFieldsWrittenOneByOne() {
        let text: [UInt8] = Array("Zoë".utf8)
        var byField = BinaryCopyEncoder()
        byField.beginRow(fieldCount: 8)
        byField.writeInt64(-3)
        byField.writeDouble(1.5)
        byField.writeNull()
        byField.writeBool(true)
        byField.writeDate(daysSince1970: 10_958)
        byField.writeTimestamp(microsecondsSince1970: 946_684_800_000_001)
        text.withUnsafeBufferPointer { byField.writeText($0) }
        byField.writeText("")
        let sizes = [8, 8, -1, 1, 4, 8, text.count, 0].map {
            $0 < 0 ? BinaryCopyEncoder.nullFieldSize : BinaryCopyEncoder.fieldSize(valueSize: $0)
        }
        var atOnce = BinaryCopyEncoder()
        atOnce.writeText("before")
        atOnce.writeRow(fieldCount: 8, byteCount: 2 + sizes.reduce(0, +)) { row in
            row.writeInt64(-3)
            row.writeDouble(1.5)
            row.writeNull()
            row.writeBool(true)
            row.writeDate(daysSince1970: 10_958)
            row.writeTimestamp(microsecondsSince1970: 946_684_800_000_001)
            text.withUnsafeBufferPointer { row.writeText($0) }
            row.writeText(UnsafeBufferPointer(start: nil, count: 0))
        }
        #expect(Array(atOnce.bytes.dropFirst(10)) == byField.bytes)
    }
}
