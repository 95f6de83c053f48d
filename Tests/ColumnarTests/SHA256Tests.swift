import Columnar
import Foundation
import Testing

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func knownVectors(input: String, digest: String) {
        #expect(SHA256.hex(SHA256.hash(Array(input.utf8))) == digest)
    }

    @Test func oneMillionLetterA() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000)
        for _ in 0..<1_000 { hasher.update(chunk) }
        #expect(SHA256.hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func chunkingDoesNotChangeTheDigest() {
        let bytes = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = SHA256.hash(bytes)
        for chunkSize in [1, 3, 55, 56, 63, 64, 65, 127, 500] {
            var hasher = SHA256()
            var start = 0
            while start < bytes.count {
                let end = min(start + chunkSize, bytes.count)
                hasher.update(Array(bytes[start..<end]))
                start = end
            }
            #expect(hasher.finalize() == whole, "chunks of \(chunkSize)")
            #expect(hasher.byteCount == bytes.count)
        }
    }

    @Test func paddingBoundaryLengths() {
        // Lengths around the 56-byte padding boundary, checked against values from `sha256sum`.
        let expected = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
        ]
        for (length, digest) in expected {
            #expect(SHA256.hex(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: length))) == digest)
        }
    }

    @Test func fileChecksumMatchesSha256sum() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("data.bin")
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let digest = try checksum(ofFile: path)
        #expect(digest == SHA256.hex(SHA256.hash(bytes)))

        let tool = "/usr/bin/sha256sum"
        guard FileManager.default.isExecutableFile(atPath: tool) else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = [path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.split(separator: " ").first.map(String.init) == digest)
    }

    @Test func verifyChecksumDetectsChangedFiles() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("data.bin")
        let digest = try AtomicFileWriter.write(Array("hello".utf8), to: path)
        try verifyChecksum(ofFile: path, expected: digest)
        try verifyChecksum(ofFile: path, expected: digest.uppercased())
        try Data("hellO".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ColumnarError.self) { try verifyChecksum(ofFile: path, expected: digest) }
        #expect(error?.code == .checksumMismatch)
        #expect(error?.path == path)
    }

    @Test func checksumOfMissingFileIsAnIOError() {
        let error = #expect(throws: ColumnarError.self) { try checksum(ofFile: "/nonexistent-\(UUID().uuidString)") }
        #expect(error?.code == .io)
    }
}
