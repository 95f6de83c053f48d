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
        #expect(encoder.bytes.capacity >= 4096)
    }
}
