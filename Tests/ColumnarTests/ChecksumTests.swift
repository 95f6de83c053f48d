import Columnar
import Foundation
import Testing

/// The checkpoint checksums: XXH64 against published values and the reference implementations (Python's `xxhash`,
/// `xxhsum`), SHA-256 against `sha256sum`, their text forms, and the verification of changed files.
@Suite struct ChecksumTests {
    @Test(arguments: [
        ("", "ef46db3751d8e999"),
        ("a", "d24ec4f1a98c6e5b"),
        ("abc", "44bc2cf5ad770999"),
        ("message digest", "066ed728fceeb3be"),
        ("abcdefghijklmnopqrstuvwxyz", "cfe1f278fa89835c"),
        // 43 bytes: a whole 32-byte stripe through the four lanes, then the tail.
        ("The quick brown fox jumps over the lazy dog", "0b242d361fda71bc"),
    ])
    func xxh64OfKnownInputs(input: String, expected: String) {
        #expect(XXH64.hex(XXH64.hash(Array(input.utf8))) == expected)
    }

    /// Every length from 0 to 300 (all the tail paths: 8-, 4- and 1-byte steps, with and without whole stripes), fed
    /// whole and in pieces of 1, 7, 33 and 100 bytes, gives the same value.
    @Test func xxh64IsTheSameHoweverTheBytesArrive() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for length in 0...300 {
            let whole = XXH64.hash(Array(bytes[0..<length]))
            for piece in [1, 7, 33, 100] {
                var hasher = XXH64()
                for start in stride(from: 0, to: length, by: piece) {
                    hasher.update(Array(bytes[start..<min(start + piece, length)]))
                }
                #expect(hasher.digest() == whole, "length \(length), pieces of \(piece)")
            }
        }
    }

    /// The values of all those lengths equal Python's `xxhash.xxh64` (the reference C library).
    @Test(.enabled(if: ReferenceHashers.hasPythonXXHash || PythonChecker.isCI, ReferenceHashers.skipReason))
    func xxh64MatchesThePythonReference() throws {
        guard ReferenceHashers.hasPythonXXHash else {
            Issue.record("CI=true but python3 with xxhash is not available: \(ReferenceHashers.skipReason)")
            return
        }
        let script = """
            import xxhash
            data = bytes(((i * 31 + 7) & 255) for i in range(300))
            print(" ".join(xxhash.xxh64(data[:n]).hexdigest() for n in range(301)))
            """
        let result = try PythonChecker.run(["-c", script])
        #expect(result.status == 0, "\(result.output)")
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let ours = (0...300).map { XXH64.hex(XXH64.hash(Array(bytes[0..<$0]))) }
        #expect(result.output.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } == ours)
    }

    /// A file's checksum, in both algorithms, is what the command-line tools print.
    @Test func fileChecksumsMatchTheCommandLineTools() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("data.bin")
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let sha = try checksum(ofFile: path, .sha256)
        #expect(sha == Checksum(algorithm: .sha256, hex: SHA256.hex(SHA256.hash(bytes))))
        let xxh = try checksum(ofFile: path)
        #expect(xxh == Checksum(algorithm: .xxh64, hex: XXH64.hex(XXH64.hash(bytes))))

        if let printed = try ReferenceHashers.tool("/usr/bin/sha256sum", path) { #expect(printed == sha.hex) }
        if let printed = try ReferenceHashers.tool("/usr/bin/xxhsum", path, "-H1") { #expect(printed == xxh.hex) }
    }

    @Test func textFormsParse() {
        let hex64 = String(repeating: "ab", count: 32)
        #expect(Checksum("xxh64:0123456789ABCDEF") == Checksum(algorithm: .xxh64, hex: "0123456789abcdef"))
        #expect(Checksum("sha256:\(hex64)") == Checksum(algorithm: .sha256, hex: hex64))
        #expect(Checksum(hex64) == Checksum(algorithm: .sha256, hex: hex64), "bare hex: a schema-1 SHA-256")
        #expect(Checksum(algorithm: .xxh64, hex: "0123456789abcdef").description == "xxh64:0123456789abcdef")
        let bad = ["", "xxh64:", "xxh64:0123", "md5:\(hex64)", "xxh64:0123456789abcdeg", "0123456789abcdef", "sha256"]
        for bad in bad {
            #expect(Checksum(bad) == nil, "\(bad)")
        }
    }

    @Test(arguments: ChecksumAlgorithm.allCases)
    func verifyChecksumDetectsChangedFiles(algorithm: ChecksumAlgorithm) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("data.bin")
        let digest = try AtomicFileWriter.write(Array("hello".utf8), to: path, checksum: algorithm)
        #expect(digest.algorithm == algorithm)
        try verifyChecksum(ofFile: path, expected: digest)
        try Data("hellO".utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ColumnarError.self) { try verifyChecksum(ofFile: path, expected: digest) }
        #expect(error?.code == .checksumMismatch)
        #expect(error?.path == path)
        #expect(error?.message.contains(digest.description) == true)
    }

    @Test func checksumOfMissingFileIsAnIOError() {
        let error = #expect(throws: ColumnarError.self) { try checksum(ofFile: "/nonexistent-\(UUID().uuidString)") }
        #expect(error?.code == .io)
    }
}

/// Reference implementations outside segpipe.
enum ReferenceHashers {
    static let skipReason: Comment =
        "python3 with xxhash is not available (pip install xxhash); under CI=true this test fails instead"
    static let hasPythonXXHash: Bool = (try? PythonChecker.run(["-c", "import xxhash"]).status) == 0

    /// The first word `tool arguments… path` prints, or nil when the tool is not installed.
    static func tool(_ tool: String, _ path: String, _ arguments: String...) throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments + [path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.split(separator: " ").first.map(String.init)
    }
}
