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

    @Test func parallelFillWritesTheSameFileAsWrite() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        // Bytes that depend on their position, in buffers large enough to be copied through the mapping: the first
        // ends 2 bytes short of the 64 MiB window, a small write crosses it, so the next window is mapped from inside
        // a page; small writes between them too.
        let pattern = (0..<(251 * 4097)).map { UInt8($0 % 251) }
        func bytes(_ count: Int, from seed: Int) -> [UInt8] {
            // Byte p is (seed + p) mod 251, appended a slice of `pattern` at a time.
            var result: [UInt8] = []
            result.reserveCapacity(count)
            while result.count < count {
                let start = (seed + result.count) % 251
                let length = min(count - result.count, pattern.count - 251)
                result.append(contentsOf: pattern[start..<(start + length)])
            }
            return result
        }
        let chunks: [[UInt8]] = [
            [7, 7, 7], bytes(5_000_000, from: 1), [9], bytes(62_108_858, from: 2), [1, 2, 3, 4, 5],
            bytes(6_000_001, from: 3), [4, 4], bytes(4 << 20, from: 4),
        ]
        let length: Int = chunks.map(\.count).reduce(0, +)
        let firstWindow: Int = chunks.prefix(4).map(\.count).reduce(0, +)
        #expect(firstWindow == (64 << 20) - 2)
        // Mapped only on file systems that overwrite blocks in place (ext4, XFS, tmpfs); elsewhere plain writes.
        let overwritesInPlace = AtomicFileWriter.mapsFiles(in: directory.path)
        var digests: [Checksum] = []
        for parallel in [false, true] {
            let path = directory.file(parallel ? "parallel.bin" : "plain.bin")
            let writer = try AtomicFileWriter(path: path, fillsInParallel: parallel)
            for chunk in chunks { try writer.write(chunk) }
            let mapped: Int = parallel && overwritesInPlace ? length - 11 : 0
            #expect(writer.mappedByteCount == mapped)
            let committed = try writer.commit()
            let digest = try checksum(ofFile: path, .xxh64)
            #expect(committed == digest)
            // The preallocated rest of the last window is cut off.
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
            #expect(size == length)
            digests.append(digest)
        }
        #expect(digests[0] == digests[1])
        do {
            let writer = try AtomicFileWriter(path: directory.file("dropped.bin"), fillsInParallel: true)
            try writer.write(chunks[1])
            writer.abandon()
        }
        #expect(try directory.entries() == ["parallel.bin", "plain.bin"])
    }
}
