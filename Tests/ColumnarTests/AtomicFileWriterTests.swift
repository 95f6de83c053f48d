import Columnar
import Foundation
import Testing

@Suite struct AtomicFileWriterTests {
    @Test func commitRenamesAndReturnsTheChecksum() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("manifest.json")
        let writer = try AtomicFileWriter(path: path)
        try writer.write(Array("{\"a\":".utf8))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try directory.entries() == [".manifest.json.tmp-\(ProcessInfo.processInfo.processIdentifier)"])
        try writer.write(Array("1}".utf8))
        let digest = try writer.commit()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"a\":1}")
        #expect(digest == Checksum(algorithm: .xxh64, hex: XXH64.hex(XXH64.hash(Array("{\"a\":1}".utf8)))))
        #expect(try directory.entries() == ["manifest.json"])
    }

    @Test func abandonedWriteLeavesThePreviousFile() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("data.bin")
        try AtomicFileWriter.write([1, 2, 3], to: path)
        do {
            let writer = try AtomicFileWriter(path: path)
            try writer.write([UInt8](repeating: 9, count: 3_000_000))
            writer.abandon()
        }
        do {
            // Dropped without commit(): the temporary file goes away too.
            let writer = try AtomicFileWriter(path: path)
            try writer.write([4, 5])
        }
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == [1, 2, 3])
        #expect(try directory.entries() == ["data.bin"])
    }

    @Test func largeAndSmallWritesInterleave() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("mixed.bin")
        let writer = try AtomicFileWriter(path: path, checksum: .sha256)
        var expected: [UInt8] = []
        for round in 0..<5 {
            let small = [UInt8](repeating: UInt8(round), count: 100 + round)
            let large = (0..<(700_000 * (round + 1))).map { UInt8(truncatingIfNeeded: $0 + round) }
            try writer.write(small)
            try writer.write(large)
            expected += small + large
        }
        #expect(writer.byteCount == expected.count)
        let digest = try writer.commit()
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == expected)
        #expect(digest == (try checksum(ofFile: path, .sha256)))
        #expect(digest.hex == SHA256.hex(SHA256.hash(expected)))
    }
}
