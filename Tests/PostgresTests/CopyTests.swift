import Postgres
import TestSupport
import Testing

/// One row of the COPY round-trip table.
struct CopyRow: Equatable {
    var id: Int64
    var count: Int32?
    var score: Double?
    var name: String?
    var day: Int32?
    var at: Int64?
    var flag: Bool?

    static let samples: [CopyRow] = [
        CopyRow(id: 1, count: 7, score: 1.5, name: "plain", day: 0, at: 0, flag: true),
        CopyRow(id: 2, count: nil, score: nil, name: nil, day: nil, at: nil, flag: nil),
        CopyRow(
            id: -3, count: Int32.min, score: -0.1, name: "Zoë \"quoted\" ☕ 表\ttab\nnewline\\back", day: -719_162,
            at: -62_135_596_800_000_000, flag: false),
        CopyRow(
            id: Int64.max, count: Int32.max, score: 1e300, name: "", day: 10_957, at: 946_684_800_000_001,
            flag: true),
        CopyRow(
            id: Int64.min, count: 0, score: -.infinity, name: "\\N", day: 19_723, at: 1_704_067_200_123_456, flag: nil),
        CopyRow(id: 6, count: 1, score: 0, name: "\r\u{1}\u{7f}", day: -1, at: -1, flag: false),
    ]
}

@Suite(.serialized, .enabled(if: TestDatabase.isEnabled, "DATABASE_URL not set: run scripts/dev-postgres start"))
final class CopyTests {
    let schema: TestSchema
    var db: PostgresConnection { schema.connection }

    init() throws {
        schema = try TestSchema(prefix: "copy")
        try db.executeScript(
            """
            CREATE TABLE items (
                id bigint NOT NULL, count integer, score double precision, name text, day date,
                at timestamptz, flag boolean
            )
            """)
    }

    deinit {
        schema.drop()
    }

    private func copyInBinary(_ rows: [CopyRow]) throws -> Int {
        try db.copyIn("COPY items FROM STDIN (FORMAT binary)") { writer in
            var encoder = BinaryCopyEncoder(capacity: 64)
            encoder.writeHeader()
            for row in rows {
                encoder.beginRow(fieldCount: 7)
                encoder.writeInt64(row.id)
                if let count = row.count { encoder.writeInt32(count) } else { encoder.writeNull() }
                if let score = row.score { encoder.writeDouble(score) } else { encoder.writeNull() }
                if let name = row.name { encoder.writeText(name) } else { encoder.writeNull() }
                if let day = row.day { encoder.writeDate(daysSince1970: day) } else { encoder.writeNull() }
                if let at = row.at { encoder.writeTimestamp(microsecondsSince1970: at) } else { encoder.writeNull() }
                if let flag = row.flag { encoder.writeBool(flag) } else { encoder.writeNull() }
                // Send row by row to exercise the writer's gathering.
                try writer.write(encoder.bytes)
                encoder.removeAll()
            }
            encoder.writeTrailer()
            try writer.write(encoder.bytes)
        }
    }

    private func copyInText(_ rows: [CopyRow]) throws -> Int {
        try db.copyIn("COPY items FROM STDIN") { writer in
            var encoder = CopyTextEncoder()
            for row in rows {
                encoder.writeInt64(row.id)
                if let count = row.count { encoder.writeInt64(Int64(count)) } else { encoder.writeNull() }
                if let score = row.score { encoder.writeDouble(score) } else { encoder.writeNull() }
                if let name = row.name { encoder.writeText(name) } else { encoder.writeNull() }
                if let day = row.day { encoder.writeDate(daysSince1970: day) } else { encoder.writeNull() }
                if let at = row.at { encoder.writeTimestamp(microsecondsSince1970: at) } else { encoder.writeNull() }
                if let flag = row.flag { encoder.writeBool(flag) } else { encoder.writeNull() }
                encoder.endRow()
            }
            try writer.write(encoder.bytes)
        }
    }

    private func copyOutText() throws -> [CopyRow] {
        var rows: [CopyRow] = []
        var decoder = CopyTextDecoder()
        let count = try db.copyOut("COPY (SELECT * FROM items ORDER BY id) TO STDOUT") { chunk in
            try decoder.decode(chunk) { row in
                #expect(row.fieldCount == 7)
                rows.append(
                    CopyRow(
                        id: try row.int64(0) ?? -42, count: try row.int64(1).map { Int32($0) },
                        score: try row.double(2), name: row.string(3), day: try row.date(4), at: try row.timestamp(5),
                        flag: try row.bool(6)))
            }
        }
        try decoder.finish()
        #expect(count == rows.count)
        return rows
    }

    private func selectAll() throws -> [CopyRow] {
        let result = try db.execute("SELECT * FROM items ORDER BY id")
        return try (0..<result.rowCount).map { row in
            CopyRow(
                id: try result.decode(Int64.self, row: row, column: 0),
                count: try result.decodeIfPresent(Int32.self, row: row, column: 1),
                score: try result.decodeIfPresent(Double.self, row: row, column: 2),
                name: try result.decodeIfPresent(String.self, row: row, column: 3),
                day: try result.decodeDate(row: row, column: 4), at: try result.decodeTimestamp(row: row, column: 5),
                flag: try result.decodeIfPresent(Bool.self, row: row, column: 6))
        }
    }

    private var expected: [CopyRow] { CopyRow.samples.sorted { $0.id < $1.id } }

    @Test func binaryCopyInRoundTripsThroughTextCopyOut() throws {
        #expect(try copyInBinary(CopyRow.samples) == CopyRow.samples.count)
        #expect(try copyOutText() == expected)
        #expect(try selectAll() == expected)
    }

    @Test func textCopyInRoundTrips() throws {
        #expect(try copyInText(CopyRow.samples) == CopyRow.samples.count)
        #expect(try copyOutText() == expected)
        #expect(try selectAll() == expected)
    }

    @Test func binaryCopyOutDeliversRows() throws {
        _ = try copyInBinary(CopyRow.samples)
        var chunks = 0
        var bytes: [UInt8] = []
        let rows = try db.copyOut("COPY items TO STDOUT (FORMAT binary)") { chunk in
            chunks += 1
            bytes.append(contentsOf: chunk)
        }
        #expect(rows == CopyRow.samples.count)
        #expect(bytes.starts(with: Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]))
        #expect(bytes.suffix(2) == [0xFF, 0xFF])
    }

    struct SourceFailed: Error {}

    @Test func copyInIsAbortedWhenBodyThrows() throws {
        #expect(throws: SourceFailed.self) {
            try db.copyIn("COPY items FROM STDIN (FORMAT binary)") { writer in
                var encoder = BinaryCopyEncoder()
                encoder.writeHeader()
                encoder.beginRow(fieldCount: 7)
                encoder.writeInt64(1)
                for _ in 0..<6 { encoder.writeNull() }
                try writer.write(encoder.bytes)
                try writer.flush()
                throw SourceFailed()
            }
        }
        #expect(!db.isInTransaction)
        #expect(try db.execute("SELECT count(*) FROM items").decode(Int64.self, row: 0, column: 0) == 0)
    }

    @Test func badCopyDataReportsServerError() throws {
        let error = try #require(throws: PostgresError.self) {
            try db.copyIn("COPY items (id, count) FROM STDIN") { writer in
                try writer.write("1\t2\n")
                try writer.write("2\tnot-a-number\n")
            }
        }
        #expect(error.sqlState == "22P02")
        #expect(try db.execute("SELECT count(*) FROM items").decode(Int64.self, row: 0, column: 0) == 0)
    }

    @Test func copyOutStopsWhenCallbackThrows() throws {
        try db.executeScript("INSERT INTO items (id) SELECT generate_series(1, 200000)")
        var seen = 0
        #expect(throws: SourceFailed.self) {
            try db.copyOut("COPY items (id) TO STDOUT") { _ in
                seen += 1
                if seen == 10 { throw SourceFailed() }
            }
        }
        #expect(seen == 10)
        #expect(try db.execute("SELECT count(*) FROM items").decode(Int64.self, row: 0, column: 0) == 200_000)
    }

    @Test func copyInOfManyRowsSpansSeveralChunks() throws {
        let rowCount = 100_000
        let copied = try db.copyIn("COPY items (id, name) FROM STDIN (FORMAT binary)") { writer in
            var encoder = BinaryCopyEncoder()
            encoder.writeHeader()
            for id in 0..<rowCount {
                encoder.beginRow(fieldCount: 2)
                encoder.writeInt64(Int64(id))
                encoder.writeText("customer number \(id) with a longer name to fill the chunks")
                if encoder.byteCount >= CopyInWriter.chunkSize {
                    try writer.write(encoder.bytes)
                    encoder.removeAll()
                }
            }
            encoder.writeTrailer()
            try writer.write(encoder.bytes)
            #expect(writer.bytesSent > 2 * CopyInWriter.chunkSize)
        }
        #expect(copied == rowCount)
        let sum = try db.execute("SELECT sum(id) FROM items").decode(Int64.self, row: 0, column: 0)
        #expect(sum == Int64(rowCount) * Int64(rowCount - 1) / 2)
    }

    @Test func copyOutOfNonCopyStatementFails() throws {
        let error = try #require(throws: PostgresError.self) { try db.copyOut("SELECT 1") { _ in } }
        #expect(error.code == .copy)
        #expect(try db.execute("SELECT 1").rowCount == 1)
    }
}
