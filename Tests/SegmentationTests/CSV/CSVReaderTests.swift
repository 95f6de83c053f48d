import Foundation
import Testing

@testable import Segmentation

/// One dialect case: input bytes, dialect, and the expected header, records and start lines.
struct CSVDialectCase: CustomTestStringConvertible, Sendable {
    let name: String
    let input: [UInt8]
    let dialect: CSVDialect
    let header: [String]
    let records: [[String]]
    let lines: [Int]

    init(
        _ name: String, _ input: String, dialect: CSVDialect = CSVDialect(), header: [String] = ["a", "b"],
        records: [[String]], lines: [Int]
    ) {
        self.name = name
        self.input = Array(input.utf8)
        self.dialect = dialect
        self.header = header
        self.records = records
        self.lines = lines
    }

    var testDescription: String { name }
}

private let semicolon = CSVDialect(delimiter: UInt8(ascii: ";"))
private let tab = CSVDialect(delimiter: UInt8(ascii: "\t"))

private let dialectCases: [CSVDialectCase] = [
    CSVDialectCase("LF line ends", "a,b\n1,2\n3,4\n", records: [["1", "2"], ["3", "4"]], lines: [2, 3]),
    CSVDialectCase("CRLF line ends", "a,b\r\n1,2\r\n3,4\r\n", records: [["1", "2"], ["3", "4"]], lines: [2, 3]),
    CSVDialectCase("CR-only line ends", "a,b\r1,2\r3,4", records: [["1", "2"], ["3", "4"]], lines: [2, 3]),
    CSVDialectCase("no final line break", "a,b\n1,2", records: [["1", "2"]], lines: [2]),
    CSVDialectCase("quoted delimiter", "a,b\n\"x,y\",2\n", records: [["x,y", "2"]], lines: [2]),
    CSVDialectCase(
        "doubled quotes", "a,b\n\"say \"\"hi\"\"\",\"\"\"\"\n", records: [["say \"hi\"", "\""]], lines: [2]),
    CSVDialectCase(
        "embedded line breaks keep line numbers",
        "a,b\n\"line1\nline2\",2\n\"x\r\ny\",3\n\"p\rq\",4\n5,6\n",
        records: [["line1\nline2", "2"], ["x\r\ny", "3"], ["p\rq", "4"], ["5", "6"]], lines: [2, 4, 6, 8]),
    CSVDialectCase("byte order mark", "\u{FEFF}a,b\n1,2\n", records: [["1", "2"]], lines: [2]),
    CSVDialectCase(
        "blank lines skipped", "\na,b\n\n1,2\r\n\r\n\n3,4\n\n", records: [["1", "2"], ["3", "4"]], lines: [4, 7]),
    CSVDialectCase("trailing delimiter", "a,b,\n1,2,\n3,4\n", records: [["1", "2"], ["3", "4"]], lines: [2, 3]),
    CSVDialectCase("extra non-empty field kept", "a,b\n1,2,3\n", records: [["1", "2", "3"]], lines: [2]),
    CSVDialectCase("empty fields", "a,b,c\n,,\n", header: ["a", "b", "c"], records: [["", "", ""]], lines: [2]),
    CSVDialectCase("empty last field at end of file", "a,b\n1,", records: [["1", ""]], lines: [2]),
    CSVDialectCase("quoted empty field", "a,b\n\"\",x\n", records: [["", "x"]], lines: [2]),
    CSVDialectCase("text after closing quote", "a,b\n\"ab\"c,d\n", records: [["abc", "d"]], lines: [2]),
    CSVDialectCase("quote inside unquoted field", "a,b\nab\"c,d\n", records: [["ab\"c", "d"]], lines: [2]),
    CSVDialectCase("header names trimmed", " a , b \n1,2\n", records: [["1", "2"]], lines: [2]),
    CSVDialectCase(
        "German semicolon export", "id;amount;date\n1;1.234,56;31.12.2024\n2;\"12,50\";01.01.2025\n",
        dialect: semicolon, header: ["id", "amount", "date"],
        records: [["1", "1.234,56", "31.12.2024"], ["2", "12,50", "01.01.2025"]], lines: [2, 3]),
    CSVDialectCase("tab separated", "a\tb\nx y\t\"p\tq\"\n", dialect: tab, records: [["x y", "p\tq"]], lines: [2]),
    CSVDialectCase(
        "no header", "1,2\n3,4\n", dialect: CSVDialect(hasHeader: false), header: [],
        records: [["1", "2"], ["3", "4"]], lines: [1, 2]),
    CSVDialectCase("header only", "a,b\n", records: [], lines: []),
    CSVDialectCase("UTF-8 text", "a,b\nMüller,Straße\n", records: [["Müller", "Straße"]], lines: [2]),
]

/// Writes bytes to a fresh temporary file and returns its path.
private func temporaryFile(_ bytes: [UInt8], suffix: String = ".csv") throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("segpipe-csv-\(UUID().uuidString)\(suffix)").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// Reads all records of a file as strings, with their start lines.
private func readAll(_ path: String, dialect: CSVDialect = CSVDialect(), chunkSize: Int = CSVReader.defaultChunkSize)
    throws -> (header: [String], records: [[String]], lines: [Int])
{
    let reader = try CSVReader(path: path, dialect: dialect, chunkSize: chunkSize)
    var records: [[String]] = []
    var lines: [Int] = []
    try reader.forEachRecord { record in
        records.append(record.strings())
        lines.append(record.lineNumber)
    }
    return (reader.header, records, lines)
}

@Suite struct CSVReaderTests {
    @Test(arguments: dialectCases, [3, 5, 7, 16, CSVReader.defaultChunkSize])
    func dialectCaseReadsExpectedRecords(_ testCase: CSVDialectCase, chunkSize: Int) throws {
        let path = try temporaryFile(testCase.input)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try readAll(path, dialect: testCase.dialect, chunkSize: chunkSize)
        #expect(result.header == testCase.header)
        #expect(result.records == testCase.records)
        #expect(result.lines == testCase.lines)
    }

    @Test(arguments: [CSVEncoding.windows1252, .latin1])
    func singleByteEncodingsConvertToUTF8(_ encoding: CSVEncoding) throws {
        var bytes = Array("name;note\n".utf8)
        bytes += [0xE4, 0xF6, 0xFC, 0xDF, UInt8(ascii: ";"), UInt8(ascii: "\""), 0xC4, 0x22, 0x22, 0x22, 0x0A]
        bytes += [0x80, UInt8(ascii: ";"), 0xE9, 0x0A]
        let path = try temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dialect = CSVDialect(delimiter: UInt8(ascii: ";"), encoding: encoding)
        let result = try readAll(path, dialect: dialect, chunkSize: 4)
        let euro = encoding == .windows1252 ? "€" : "\u{80}"
        #expect(result.records == [["äöüß", "Ä\""], [euro, "é"]])
    }

    @Test func windows1252RawLineDecodes() throws {
        let path = try temporaryFile(Array("a\n".utf8) + [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x0A])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVReader(path: path, dialect: CSVDialect(encoding: .windows1252))
        var raw: [String] = []
        try reader.forEachRecord { raw.append($0.rawLineText()) }
        #expect(raw == ["Müller"])
    }

    @Test func invalidUTF8IsFlaggedPerRecord() throws {
        var bytes = Array("a,b\n".utf8)
        bytes += [0xFF, 0x41, UInt8(ascii: ","), 0x42, 0x0A]  // invalid lead byte
        bytes += Array("ok,ü\n".utf8)
        bytes += [0xC0, 0x80, UInt8(ascii: ","), 0x42, 0x0A]  // overlong NUL
        bytes += [0xED, 0xA0, 0x80, UInt8(ascii: ","), 0x42, 0x0A]  // surrogate
        bytes += [0xE2, 0x82, UInt8(ascii: ","), 0x42, 0x0A]  // truncated sequence
        let path = try temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVReader(path: path)
        var validity: [Bool] = []
        try reader.forEachRecord { validity.append($0.isValidUTF8) }
        #expect(validity == [false, true, false, false, false])
    }

    @Test func rawLineIsTheRecordAsWritten() throws {
        let path = try temporaryFile(Array("a,b\r\n\"x\"\"y\",\"1\n2\"\r\nplain,row\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVReader(path: path, chunkSize: 5)
        var raw: [String] = []
        try reader.forEachRecord { raw.append(String(decoding: $0.rawLine, as: UTF8.self)) }
        #expect(raw == ["\"x\"\"y\",\"1\n2\"", "plain,row"])
    }

    @Test(arguments: [4, 9, 1 << 20])
    func unterminatedQuoteThrowsWithLineNumber(chunkSize: Int) throws {
        let path = try temporaryFile(Array("a,b\n1,2\n\n\"open,3\n4,5\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVReader(path: path, chunkSize: chunkSize)
        var count = 0
        let error = #expect(throws: CSVError.self) {
            try reader.forEachRecord { _ in count += 1 }
        }
        #expect(error?.code == .unterminatedQuote)
        #expect(error?.line == 4)
        #expect(count == 1)
        #expect(error?.description.contains(":4:") == true)
    }

    @Test(arguments: ["", "\u{FEFF}", "\n\r\n\n"])
    func fileWithoutHeaderLineThrows(_ content: String) throws {
        let path = try temporaryFile(Array(content.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: CSVError.self) { _ = try CSVReader(path: path) }
        #expect(error?.code == .emptyFile)
    }

    @Test func emptyFileWithoutHeaderDialectHasNoRecords() throws {
        let path = try temporaryFile([])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try readAll(path, dialect: CSVDialect(hasHeader: false))
        #expect(result.records.isEmpty)
    }

    @Test func missingFileThrowsIOError() {
        let error = #expect(throws: CSVError.self) {
            _ = try CSVReader(path: "/nonexistent/segpipe/orders.csv")
        }
        #expect(error?.code == .io)
    }

    @Test func oversizedRecordThrows() throws {
        let path = try temporaryFile(Array("a\n\"".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 500))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVReader(path: path, chunkSize: 16, maximumRecordSize: 64)
        let error = #expect(throws: CSVError.self) { try reader.forEachRecord { _ in } }
        #expect(error?.code == .recordTooLarge)
        #expect(error?.line == 2)
    }

    @Test func gzipFileIsDecompressed() throws {
        let plain = try temporaryFile(Array("a,b\n1,\"x,y\"\n2,3\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: plain) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        process.arguments = ["-kf", plain]
        try process.run()
        process.waitUntilExit()
        let compressed = plain + ".gz"
        defer { try? FileManager.default.removeItem(atPath: compressed) }
        let result = try readAll(compressed, chunkSize: 5)
        #expect(result.header == ["a", "b"])
        #expect(result.records == [["1", "x,y"], ["2", "3"]])
    }

    @Test func corruptGzipFileThrows() throws {
        let path = try temporaryFile(Array("not gzip at all\n".utf8), suffix: ".csv.gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: CSVError.self) {
            let reader = try CSVReader(path: path, dialect: CSVDialect(hasHeader: false))
            try reader.forEachRecord { _ in }
        }
    }

    @Test func recordsSurviveChunkBoundariesAtEveryOffset() throws {
        // Random fields with delimiters, quotes and line breaks, written the RFC 4180 way.
        var random = SyntheticRandom(seed: 7)
        let alphabet = Array("ab ,\"\n\r;ü1".unicodeScalars).map(String.init)
        var expected: [[String]] = []
        var text = "c1,c2,c3\r\n"
        for _ in 0..<300 {
            var row: [String] = []
            for _ in 0..<3 {
                var field = ""
                for _ in 0..<random.below(6) { field += alphabet[random.below(alphabet.count)] }
                row.append(field)
            }
            if row.allSatisfy(\.isEmpty) { row[0] = "x" }
            expected.append(row)
            text += row.map { field in
                field.unicodeScalars.contains(where: { ",\"\n\r".unicodeScalars.contains($0) })
                    ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
            }.joined(separator: ",")
            text += random.chance(0.5) ? "\r\n" : "\n"
        }
        let path = try temporaryFile(Array(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for chunkSize in [4, 5, 6, 7, 11, 13, 64, 4096] {
            let result = try readAll(path, chunkSize: chunkSize)
            #expect(result.records.count == expected.count, "chunk size \(chunkSize)")
            let mismatch = result.records.indices.first { $0 < expected.count && result.records[$0] != expected[$0] }
            #expect(mismatch == nil, "chunk size \(chunkSize): first differing record \(mismatch ?? -1)")
        }
    }

    @Test func dialectNamesResolve() {
        #expect(CSVDialect.delimiterByte(named: ";") == UInt8(ascii: ";"))
        #expect(CSVDialect.delimiterByte(named: "tab") == 0x09)
        #expect(CSVDialect.delimiterByte(named: "|") == UInt8(ascii: "|"))
        #expect(CSVDialect.delimiterByte(named: "x") == nil)
        #expect(CSVEncoding(name: "UTF-8") == .utf8)
        #expect(CSVEncoding(name: "cp1252") == .windows1252)
        #expect(CSVEncoding(name: "ISO-8859-1") == .latin1)
        #expect(CSVEncoding(name: "ebcdic") == nil)
    }
}

/// Unquoted fields are searched for their end 64 bytes at a time: fields of every length from 0 to 200 bytes, so
/// that ends fall on, just before and just after every block boundary, read back exactly in every dialect and
/// chunk size, with quoted fields and line ends mixed in.
@Suite struct CSVBlockSearchTests {
    @Test(arguments: [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t")], [5, 63, 64, 65, 1 << 20])
    func fieldsOfEveryLengthReadBack(delimiter: UInt8, chunkSize: Int) throws {
        let separator = String(UnicodeScalar(delimiter))
        var expected: [[String]] = []
        var text = "a\(separator)b\(separator)c\n"
        for length in 0...200 {
            // Letters with a quote inside (an ordinary character in an unquoted field) and, past 100, a non-ASCII one.
            var first = ""
            for index in 0..<length {
                if index == 7 {
                    first += "\""
                } else if length > 100 && index == 90 {
                    first += "ß"
                } else {
                    first += String(UnicodeScalar(UInt8(97 + index % 26)))
                }
            }
            let second = String(repeating: "x", count: (length * 7) % 131)
            let third = length % 3 == 0 ? "q\(separator)\"\"r" : String(repeating: "9", count: length % 70)
            let quotedThird = length % 3 == 0 ? "\"q\(separator)\"\"\"\"r\"" : third
            let record = [first, second, third]
            expected.append(record)
            text += "\(first)\(separator)\(second)\(separator)\(quotedThird)\(length % 2 == 0 ? "\r\n" : "\n")"
        }
        let path = try temporaryFile(Array(text.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try readAll(path, dialect: CSVDialect(delimiter: delimiter), chunkSize: chunkSize)
        #expect(result.header == ["a", "b", "c"])
        #expect(result.records.count == expected.count)
        for (index, pair) in zip(result.records, expected).enumerated() where pair.0 != pair.1 {
            Issue.record("record \(index): \(pair.0) != \(pair.1)")
        }
        #expect(result.lines == Array(2...202))
    }
}

/// `CSVText.isValidUTF8` checks whole words for ASCII first: a bad or non-ASCII byte at every position of records
/// of every length up to 40 bytes is still found, and agrees with the standard library's decoder.
@Suite struct UTF8CheckTests {
    @Test func everyPositionAndLengthAgreesWithTheStandardLibrary() {
        var mismatches: [String] = []
        for length in 0...40 {
            for position in 0..<max(length, 1) {
                for insert in [[UInt8(0xFF)], [0xC3], [0xC3, 0xBC], [0xE2, 0x82, 0xAC], [0xED, 0xA0, 0x80]] {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    if length > 0 {
                        bytes.replaceSubrange(position..<min(position + insert.count, length), with: insert)
                    }
                    let expected = String(validating: bytes, as: UTF8.self) != nil
                    let checked = bytes.withUnsafeBufferPointer { CSVText.isValidUTF8($0) }
                    if checked != expected { mismatches.append("\(bytes)") }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}
