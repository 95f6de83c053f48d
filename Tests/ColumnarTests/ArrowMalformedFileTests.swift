import Columnar
import Foundation
import Testing

@Suite struct ArrowMalformedFileTests {
    /// Reads `bytes` as an Arrow file, returning the error code, or `nil` when it reads.
    static func readError(_ bytes: [UInt8], in directory: TestDirectory) throws -> ColumnarError.Code? {
        let path = directory.file("candidate.arrow")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Table(readingArrowFile: path)
            return nil
        } catch {
            #expect(error.path == path)
            return error.code
        }
    }

    static func validFile(in directory: TestDirectory) throws -> [UInt8] {
        let path = directory.file("valid.arrow")
        try ArrowFileWriter(batchRowCount: 7).write(
            ArrowRoundTripTests.sampleTable(rows: 20, withNulls: true), to: path)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func everyTruncationIsMalformed() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let bytes = try Self.validFile(in: directory)
        for length in 0..<bytes.count {
            let code = try Self.readError(Array(bytes[0..<length]), in: directory)
            #expect(code == .malformedFile, "truncated to \(length) of \(bytes.count) bytes")
        }
    }

    @Test func corruptedBytesNeverCrash() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let bytes = try Self.validFile(in: directory)
        var failures = 0
        for position in 0..<bytes.count {
            for pattern: UInt8 in [0xFF, 0x80, 0x01] {
                var corrupted = bytes
                corrupted[position] ^= pattern
                if let code = try Self.readError(corrupted, in: directory) {
                    #expect(
                        code == .malformedFile || code == .unsupportedType, "byte \(position) ^ \(pattern): \(code)")
                    failures += 1
                }
            }
        }
        #expect(failures > 0)
    }

    @Test func badMagicIsMalformed() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        var bytes = try Self.validFile(in: directory)
        bytes[0] = UInt8(ascii: "X")
        #expect(try Self.readError(bytes, in: directory) == .malformedFile)
        #expect(try Self.readError(Array("not an arrow file at all, just text".utf8), in: directory) == .malformedFile)
    }

    @Test func hugeFooterLengthIsMalformed() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        var bytes = try Self.validFile(in: directory)
        let at = bytes.count - 10
        bytes.replaceSubrange(at..<(at + 4), with: [0xFF, 0xFF, 0xFF, 0x7F])
        #expect(try Self.readError(bytes, in: directory) == .malformedFile)
    }

    @Test func missingFileIsAnIOError() throws {
        let error = #expect(throws: ColumnarError.self) {
            try ArrowFileReader(path: "/nonexistent-\(UUID().uuidString).arrow")
        }
        #expect(error?.code == .io)
    }
}
