import Postgres
import Testing

@Suite struct CopyTextDecoderTests {
    /// Decodes `data` fed in pieces of `pieceSize` bytes; returns each row's fields as strings (nil for NULL).
    func decode(_ data: String, pieceSize: Int) throws -> [[String?]] {
        let bytes = Array(data.utf8)
        var decoder = CopyTextDecoder()
        var rows: [[String?]] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + pieceSize, bytes.count)
            bytes[start..<end].withUnsafeBytes { piece in
                decoder.decode(piece) { row in rows.append((0..<row.fieldCount).map { row.string($0) }) }
            }
            start = end
        }
        try decoder.finish()
        return rows
    }

    @Test(arguments: [1, 2, 3, 1000])
    func escapesAndNullsDecodeAcrossChunkBoundaries(pieceSize: Int) throws {
        let data = "a\\tb\t\\N\t\\\\N\t\\Nx\n\\n\\r\\\\\t\t\\101\\x41\\x4a\\7\\q\\x\n"
        let rows = try decode(data, pieceSize: pieceSize)
        #expect(rows.count == 2)
        #expect(rows[0] == ["a\tb", nil, "\\N", "Nx"])
        #expect(rows[1] == ["\n\r\\", "", "AAJ\u{7}qx"])
    }

    @Test func unicodePassesThrough() throws {
        #expect(try decode("Zoë\t表\t☕\n", pieceSize: 1) == [["Zoë", "表", "☕"]])
    }

    @Test func incompleteRowIsReported() throws {
        var decoder = CopyTextDecoder()
        Array("1\t2".utf8).withUnsafeBytes { decoder.decode($0) { _ in } }
        #expect(throws: PostgresError.self) { try decoder.finish() }
    }

    @Test func typedAccessorsParseAndReportBadValues() throws {
        var decoder = CopyTextDecoder()
        try Array("42\t-1.5e3\tt\t2024-02-29\t2024-02-29 12:30:00.5+01\tNaN\tx\n".utf8).withUnsafeBytes { data in
            try decoder.decode(data) { row in
                #expect(try row.int64(0) == 42)
                #expect(try row.double(1) == -1500)
                #expect(try row.bool(2) == true)
                #expect(try row.date(3) == 19_782)
                #expect(try row.timestamp(4) == 1_709_206_200_500_000)
                #expect(try row.double(5)?.isNaN == true)
                let error = try #require(throws: PostgresError.self) { try row.int64(6) }
                #expect(error.description.contains("row 1, field 7"))
            }
        }
    }
}
