import Foundation
import Testing

/// Malformed input files and configurations, one case each: every case ends with its expected exit code and
/// a clear message, or with rejects and the good rows going on — never a crash or a silent loss.
///
/// The fixtures are generated data damaged by the test itself; nothing binary is committed.
@Suite(.serialized) struct BadInputTests {
    /// One kind of bad input.
    enum Input: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case invalidUTF8Line, binaryGarbageAsOrders, unterminatedQuoteAtEnd, hundredMegabyteField
        case wrongColumnCounts, emptyFile, headerOnlyFile, headerOnlyCustomersAndOrders, malformedYAML
        case hostileSchemaName

        var testDescription: String { rawValue }
    }

    /// What a case must end with.
    struct Outcome {
        var exitCode: Int32
        /// Fragments the error output must contain.
        var messages: [String] = []
    }

    static let outcomes: [Input: Outcome] = [
        .invalidUTF8Line: Outcome(exitCode: 0),
        .binaryGarbageAsOrders: Outcome(exitCode: 2, messages: ["orders.csv", "missing required column"]),
        .unterminatedQuoteAtEnd: Outcome(exitCode: 1, messages: ["customers.csv:", "never closed"]),
        .hundredMegabyteField: Outcome(exitCode: 1, messages: ["orders.csv:", "record is larger than"]),
        .wrongColumnCounts: Outcome(exitCode: 0),
        .emptyFile: Outcome(exitCode: 1, messages: ["customers.csv:1", "empty"]),
        // Every order then names an unknown customer: the reject rate stops the run.
        .headerOnlyFile: Outcome(exitCode: 3, messages: ["orders:", "max_reject_rate", "nothing was published"]),
        .headerOnlyCustomersAndOrders: Outcome(exitCode: 3, messages: ["only 0 customers remain after cleaning"]),
        .malformedYAML: Outcome(exitCode: 2, messages: ["bad.yaml", "not valid YAML", "4:9"]),
        .hostileSchemaName: Outcome(exitCode: 0),
    ]

    let folder: URL
    let data: URL
    let tag: String
    let databaseURL: String

    init() throws {
        databaseURL = try Database.url()
        folder = try Scratch.makeFolder()
        data = folder.appendingPathComponent("data")
        tag = String(UUID().uuidString.prefix(8).lowercased())
        let generated = try SegpipeBinary.run([
            "generate", "--customers", "300", "--out", data.path, "--seed", "3", "--as-of", "2026-11-01",
        ])
        try #require(generated.exitCode == 0, "generate failed: \(generated.stderr)")
    }

    private var schema: String { "segpipe_bad_\(tag)" }
    private var canary: String { "segpipe_canary_\(tag)" }
    /// A schema name that would drop the canary table if it were pasted into SQL unquoted.
    private var hostileSchema: String { "x_\(tag)\"; drop table \(canary); --" }

    private func pipeline(schema: String) throws -> String {
        let path = folder.appendingPathComponent("bad.yaml").path
        let quoted = "'" + schema.replacingOccurrences(of: "'", with: "''") + "'"
        try """
        name: bad
        sources:
          customers: {path: customers.csv}
          orders: {path: orders.csv}
        clean:
          max_reject_rate: 0.5
          currency_rates: {EUR: 1.0, CHF: 1.04, GBP: 1.17}
        segment: {k: 3}
        load: {schema: \(quoted)}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func append(_ bytes: [UInt8], to name: String) throws {
        let handle = try FileHandle(forWritingTo: data.appendingPathComponent(name))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
    }

    /// Inserts `bytes` (one or more whole lines) after the first `afterLines` lines of a file.
    private func insert(_ bytes: [UInt8], into name: String, afterLines: Int) throws {
        let url = data.appendingPathComponent(name)
        let original = [UInt8](try Data(contentsOf: url))
        var seen = 0
        var cut = original.count
        for (index, byte) in original.enumerated() where byte == UInt8(ascii: "\n") {
            seen += 1
            if seen == afterLines {
                cut = index + 1
                break
            }
        }
        try Data(original[..<cut] + bytes + original[cut...]).write(to: url)
    }

    /// Prepares the damaged input of a case and returns the pipeline to run.
    private func prepare(_ input: Input) throws -> String {
        let customers = "customers.csv"
        switch input {
        case .invalidUTF8Line:
            let line =
                "C9999001,bad@example.de,J\u{FFFD}rg,Mayer,+4930123456,1980-01-01,Berlin,10115,DE,2025-01-01,web\n"
            var bytes = Array(line.utf8)
            // Replace the encoded U+FFFD with bytes that are not UTF-8 at all.
            if let at = bytes.firstIndex(of: 0xEF) { bytes.replaceSubrange(at..<(at + 3), with: [0xFF, 0xFE, 0xC3]) }
            try insert(bytes, into: customers, afterLines: 50)
        case .binaryGarbageAsOrders:
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            var garbage = [UInt8]()
            garbage.reserveCapacity(65_536)
            for _ in 0..<65_536 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                garbage.append(UInt8(truncatingIfNeeded: state >> 56))
            }
            try Data(garbage).write(to: data.appendingPathComponent("orders.csv"))
        case .unterminatedQuoteAtEnd:
            try append(Array("C9999002,\"open@example.de,Ada,Open\n".utf8), to: customers)
        case .hundredMegabyteField:
            let url = data.appendingPathComponent("orders.csv")
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("O9999003,C0000001,2026-01-01,".utf8))
            let block = Data(repeating: UInt8(ascii: "7"), count: 1 << 20)
            for _ in 0..<100 { try handle.write(contentsOf: block) }
            try handle.write(contentsOf: Data(",EUR,books,1,completed\n".utf8))
        case .wrongColumnCounts:
            try insert(
                Array(
                    """
                    C9999004,short@example.de
                    C9999005,long@example.de,Lea,Lang,+4930123456,1980-01-01,Berlin,10115,DE,2025-01-01,web,extra,more

                    """.utf8), into: customers, afterLines: 20)
        case .emptyFile:
            try Data().write(to: data.appendingPathComponent(customers))
        case .headerOnlyFile, .headerOnlyCustomersAndOrders:
            let names = input == .headerOnlyFile ? [customers] : [customers, "orders.csv"]
            for name in names {
                let url = data.appendingPathComponent(name)
                let text = try String(contentsOf: url, encoding: .utf8)
                try (String(text.prefix { $0 != "\n" }) + "\n").write(to: url, atomically: true, encoding: .utf8)
            }
        case .malformedYAML:
            let path = folder.appendingPathComponent("bad.yaml").path
            try "name: bad\nsources:\n  customers: {path: customers.csv\n  orders: [x\nsegment: {k: 3}\n".write(
                toFile: path, atomically: true, encoding: .utf8)
            return path
        case .hostileSchemaName:
            _ = try Database.query(databaseURL, "CREATE TABLE \(canary) (id int); INSERT INTO \(canary) VALUES (1)")
            return try pipeline(schema: hostileSchema)
        }
        return try pipeline(schema: schema)
    }

    /// The extract manifest's metrics of the only run.
    private func extractMetrics() throws -> [String: Any] {
        let root = folder.appendingPathComponent("checkpoints")
        let runs = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") }
        let run = try #require(runs.first)
        let manifest = try Data(contentsOf: root.appendingPathComponent("\(run)/extract/_manifest.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
        return try #require(object["metrics"] as? [String: Any])
    }

    private func rejectReasons(containing id: String) throws -> [String] {
        let reasons = try Database.query(
            databaseURL, "SELECT reason FROM \(schema).rejects WHERE raw LIKE '%\(id)%' ORDER BY line")
        return reasons.split(separator: "\n").map(String.init)
    }

    @Test(arguments: Input.allCases)
    func malformedInputEndsWithItsExpectedOutcome(_ input: Input) throws {
        defer {
            Scratch.remove(folder)
            Database.dropSchema(schema, url: databaseURL)
            if input == .hostileSchemaName {
                _ = try? Database.query(
                    databaseURL,
                    "DROP SCHEMA IF EXISTS \"\(hostileSchema.replacingOccurrences(of: "\"", with: "\"\""))\" CASCADE")
                _ = try? Database.query(databaseURL, "DROP TABLE IF EXISTS \(canary)")
            }
        }
        let pipeline = try prepare(input)
        var command = [
            "run", "--pipeline", pipeline, "--data-dir", data.path, "--database-url", databaseURL,
            "--checkpoint-dir", folder.appendingPathComponent("checkpoints").path, "--as-of", "2026-11-01",
            "--log-format", "json",
        ]
        let time = "/usr/bin/time"
        let measuresMemory = FileManager.default.isExecutableFile(atPath: time)
        let result: SegpipeBinary.Result
        if input == .hundredMegabyteField && measuresMemory {
            // GNU time prints the peak resident set size (KiB) as the last line of stderr.
            command = ["-f", "peak_rss_kib=%M", SegpipeBinary.executable.path] + command
            result = try Shell.run(time, command)
        } else {
            result = try SegpipeBinary.run(command)
        }
        let expected = try #require(Self.outcomes[input])
        #expect(result.exitCode == expected.exitCode, "\(input): \(result.stderr.suffix(2000))")
        for fragment in expected.messages {
            #expect(result.stderr.contains(fragment), "\(input): no \"\(fragment)\" in \(result.stderr.suffix(2000))")
        }
        // Whatever the input, the process ends by itself: no signal, no sanitizer or fatal-error report.
        #expect(!result.stderr.contains("Fatal error"))

        switch input {
        case .invalidUTF8Line:
            #expect(try rejectReasons(containing: "C9999001").map { $0.hasPrefix("invalid UTF-8") } == [true])
            let metrics = try extractMetrics()
            let reasons = try #require(metrics["rejects_by_reason"] as? [String: Int])
            #expect(reasons["invalid UTF-8"] == 1)
            // Every other line went on: extracted plus rejected accounts for each data line of the file.
            let lines = try Data(contentsOf: data.appendingPathComponent("customers.csv")).split(separator: 0x0A)
            let extracted = try #require(metrics["rows_extracted.customers"] as? Int)
            let rejected = try #require(metrics["rows_rejected.customers"] as? Int)
            #expect(extracted + rejected == lines.count - 1)
        case .wrongColumnCounts:
            for id in ["C9999004", "C9999005"] {
                #expect(
                    try rejectReasons(containing: id).map { $0.hasPrefix("wrong field count") } == [true], "\(id)")
            }
        case .hundredMegabyteField:
            if measuresMemory,
                let line = result.stderr.split(separator: "\n").last(where: { $0.hasPrefix("peak_rss_kib=") }),
                let kib = Int(line.dropFirst("peak_rss_kib=".count))
            {
                // The reader gives up at its 64 MiB record limit instead of holding the 100 MB field.
                #expect(kib < 200 * 1024, "peak memory \(kib) KiB")
            }
        case .headerOnlyFile, .headerOnlyCustomersAndOrders, .binaryGarbageAsOrders, .unterminatedQuoteAtEnd,
            .emptyFile, .malformedYAML:
            // Nothing may be published after a failed run.
            let exists = try Database.query(databaseURL, "SELECT to_regclass('\(schema).runs') IS NOT NULL")
            if exists == "t" {
                #expect(
                    try Database.query(databaseURL, "SELECT count(*) FROM \(schema).runs WHERE status = 'published'")
                        == "0")
            }
        case .hostileSchemaName:
            // The schema exists under exactly the hostile name, and the canary table survived.
            #expect(
                try Database.query(
                    databaseURL, "SELECT count(*) FROM pg_namespace WHERE nspname = '\(hostileSchema)'") == "1")
            #expect(try Database.query(databaseURL, "SELECT count(*) FROM \(canary)") == "1")
        }
    }
}
