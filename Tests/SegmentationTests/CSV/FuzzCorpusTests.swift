import Foundation
import Testing

@testable import Segmentation

/// The files of the fuzzer's corpus (`scripts/fuzz/corpus`): the seeds, plus every input `scripts/fuzz-csv`
/// found crashing, which it copies there so it stays a regression test.
enum FuzzCorpus {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/fuzz/corpus")

    /// File names in the corpus, sorted.
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
    }

    /// The dialects the fuzz target reads every input with (scripts/fuzz/FuzzCSV.swift).
    static let dialects: [CSVDialect] = [
        .rfc4180, .germanExcel, .tabSeparated,
        CSVDialect(hasHeader: false), CSVDialect(delimiter: UInt8(ascii: "|"), encoding: .latin1),
        CSVDialect(quote: UInt8(ascii: "'")),
    ]
}

/// Replays every corpus file through the CSV reader the way the fuzz target does, so a crash the fuzzer once
/// found fails the ordinary test suite, and checks the reader gives the same result whatever the chunk size.
@Suite struct FuzzCorpusTests {
    /// What reading a file gave: its header, records and their lines, or the error code.
    private struct Outcome: Equatable {
        var header: [String] = []
        var records: [[String]] = []
        var raw: [String] = []
        var lines: [Int] = []
        var error: String?
    }

    private static func read(_ path: String, _ dialect: CSVDialect, chunkSize: Int, maximumRecordSize: Int) -> Outcome {
        var outcome = Outcome()
        do {
            let reader = try CSVReader(
                path: path, dialect: dialect, chunkSize: chunkSize, maximumRecordSize: maximumRecordSize)
            outcome.header = reader.header
            try reader.forEachRecord { record in
                outcome.records.append(record.strings())
                outcome.raw.append(record.rawLineText())
                outcome.lines.append(record.lineNumber)
                _ = record.isValidUTF8
            }
        } catch let error as CSVError {
            outcome = Outcome(error: "\(error.code) at line \(error.line)")
        } catch {
            outcome = Outcome(error: "unexpected \(type(of: error)): \(error)")
        }
        return outcome
    }

    @Test func corpusHoldsTheSeeds() {
        let files = FuzzCorpus.files
        #expect(files.count >= 8, "\(FuzzCorpus.folder.path): \(files)")
        #expect(files.contains("unterminated.csv") && files.contains("invalid-utf8.csv"))
        // The replay sees what the seeds are about.
        let unterminated = Self.read(
            FuzzCorpus.folder.appendingPathComponent("unterminated.csv").path, .rfc4180, chunkSize: 7,
            maximumRecordSize: 256)
        #expect(unterminated.error == "unterminatedQuote at line 2")
        let bom = Self.read(
            FuzzCorpus.folder.appendingPathComponent("bom.csv").path, .rfc4180, chunkSize: 4, maximumRecordSize: 256)
        #expect(bom.header == ["customer_id", "email"])
        #expect(bom.records == [["0042", "a@example.com"]])
    }

    @Test(arguments: FuzzCorpus.files)
    func corpusFileReadsTheSameAtEveryChunkSize(_ name: String) {
        let path = FuzzCorpus.folder.appendingPathComponent(name).path
        for dialect in FuzzCorpus.dialects {
            // The fuzz target's own settings, including its small record limit: must not crash.
            for chunkSize in [4, 7, 64, 4096] {
                let outcome = Self.read(path, dialect, chunkSize: chunkSize, maximumRecordSize: 256)
                #expect(outcome.error?.hasPrefix("unexpected") != true, "\(name): \(outcome.error ?? "")")
            }
            // Without that limit, chunk boundaries must not change what is read.
            let reference = Self.read(path, dialect, chunkSize: 1 << 16, maximumRecordSize: 1 << 20)
            for chunkSize in [4, 7, 64] {
                let outcome = Self.read(path, dialect, chunkSize: chunkSize, maximumRecordSize: 1 << 20)
                #expect(outcome == reference, "\(name), delimiter \(dialect.delimiter), chunk size \(chunkSize)")
            }
        }
    }
}
