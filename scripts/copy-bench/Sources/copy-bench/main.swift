// Measures COPY FROM STDIN in text and binary format, and COPY TO STDOUT decoded into typed arrays,
// for N rows of (bigint, integer, double precision, text, date).
// Usage: copy-bench DATABASE_URL [ROWS] [REPEATS]
import Foundation
import Postgres

func runBenchmark() throws {
    let arguments = CommandLine.arguments
    guard arguments.count >= 2 else {
        FileHandle.standardError.write(Data("usage: copy-bench DATABASE_URL [ROWS] [REPEATS]\n".utf8))
        exit(2)
    }
    let rowCount = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
    let repeats = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3

    // Column data, generated once so the timings cover encoding and sending only.
    let ids = (0..<rowCount).map { Int64($0) * 7 }
    let counts = (0..<rowCount).map { Int32(truncatingIfNeeded: $0 % 1000) }
    let scores = (0..<rowCount).map { Double($0) * 0.37 }
    let names = (0..<rowCount).map { "customer-\($0)" }
    let days = (0..<rowCount).map { Int32(18_000 + $0 % 2000) }

    func seconds(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let (s, atto) = (clock.now - start).components
        return Double(s) + Double(atto) / 1e18
    }

    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    let db = try PostgresConnection(url: arguments[1])
    try db.executeScript(
        """
        DROP TABLE IF EXISTS copy_bench;
        CREATE TABLE copy_bench (id bigint, count integer, score double precision, name text, day date)
        """)

    func copyBinary() throws {
        try db.copyIn("COPY copy_bench FROM STDIN (FORMAT binary)") { writer in
            var encoder = BinaryCopyEncoder()
            encoder.writeHeader()
            for row in 0..<rowCount {
                encoder.beginRow(fieldCount: 5)
                encoder.writeInt64(ids[row])
                encoder.writeInt32(counts[row])
                encoder.writeDouble(scores[row])
                encoder.writeText(names[row])
                encoder.writeDate(daysSince1970: days[row])
                if encoder.byteCount >= CopyInWriter.chunkSize {
                    try writer.write(encoder.bytes)
                    encoder.removeAll()
                }
            }
            encoder.writeTrailer()
            try writer.write(encoder.bytes)
        }
    }

    func copyText() throws {
        try db.copyIn("COPY copy_bench FROM STDIN") { writer in
            var encoder = CopyTextEncoder()
            for row in 0..<rowCount {
                encoder.writeInt64(ids[row])
                encoder.writeInt64(Int64(counts[row]))
                encoder.writeDouble(scores[row])
                encoder.writeText(names[row])
                encoder.writeDate(daysSince1970: days[row])
                encoder.endRow()
                if encoder.byteCount >= CopyInWriter.chunkSize {
                    try writer.write(encoder.bytes)
                    encoder.removeAll()
                }
            }
            try writer.write(encoder.bytes)
        }
    }

    func encodeOnlyBinary() {
        var encoder = BinaryCopyEncoder()
        var total = 0
        for row in 0..<rowCount {
            encoder.beginRow(fieldCount: 5)
            encoder.writeInt64(ids[row])
            encoder.writeInt32(counts[row])
            encoder.writeDouble(scores[row])
            encoder.writeText(names[row])
            encoder.writeDate(daysSince1970: days[row])
            if encoder.byteCount >= CopyInWriter.chunkSize {
                total += encoder.byteCount
                encoder.removeAll()
            }
        }
        precondition(total + encoder.byteCount > 0)
    }

    func copyOutText() throws {
        var outIDs: [Int64] = []
        var outNames: [String] = []
        var outScores: [Double] = []
        outIDs.reserveCapacity(rowCount)
        outNames.reserveCapacity(rowCount)
        outScores.reserveCapacity(rowCount)
        var decoder = CopyTextDecoder()
        try db.copyOut("COPY copy_bench TO STDOUT") { chunk in
            try decoder.decode(chunk) { row in
                outIDs.append(try row.int64(0) ?? 0)
                outScores.append(try row.double(2) ?? 0)
                outNames.append(row.string(3) ?? "")
                _ = try row.date(4)
            }
        }
        try decoder.finish()
        precondition(outIDs.count == rowCount)
    }

    func report(_ label: String, _ times: [Double]) {
        let best = median(times)
        let rate = Double(rowCount) / best / 1e6
        print(
            "\(label.padding(toLength: 34, withPad: " ", startingAt: 0)) \(String(format: "%7.3f", best)) s  "
                + "\(String(format: "%5.2f", rate)) M rows/s  (median of \(times.count))")
    }

    print("rows: \(rowCount); columns: bigint, integer, double precision, text, date")
    var binary: [Double] = []
    var text: [Double] = []
    var encodeOnly: [Double] = []
    var out: [Double] = []
    for _ in 0..<repeats {
        try db.executeScript("TRUNCATE copy_bench")
        text.append(try seconds(copyText))
        try db.executeScript("TRUNCATE copy_bench")
        binary.append(try seconds(copyBinary))
        encodeOnly.append(seconds(encodeOnlyBinary))
        out.append(try seconds(copyOutText))
    }
    report("COPY FROM STDIN text", text)
    report("COPY FROM STDIN binary", binary)
    report("binary encoding only (no server)", encodeOnly)
    report("COPY TO STDOUT text -> arrays", out)
    try db.executeScript("DROP TABLE copy_bench")
}

try runBenchmark()
