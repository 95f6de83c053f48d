internal import CXXHash64

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The algorithm of a checkpoint file's checksum.
public enum ChecksumAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    /// xxHash's 64-bit hash (XXH64, seed 0): about 20 GB/s per core, ten times SHA-256 with the CPU's SHA
    /// extensions. It detects accidental damage (a truncated, overwritten or bit-flipped file); it is not meant to
    /// resist deliberate tampering. `xxhsum -H1 FILE` (Debian `xxhash`) and Python's `xxhash.xxh64` print the same
    /// value.
    case xxh64
    /// SHA-256, as `sha256sum` prints it: for sites that check checkpoint files against a cryptographic hash.
    case sha256
}

/// A file's checksum with its algorithm, written as `xxh64:<16 hex digits>` or `sha256:<64 hex digits>`.
public struct Checksum: Sendable, Hashable, CustomStringConvertible {
    /// How the value was computed.
    public let algorithm: ChecksumAlgorithm
    /// The value in lower-case hexadecimal (XXH64 in its canonical big-endian form, as `xxhsum` prints it).
    public let hex: String

    /// Creates a checksum from its parts; `hex` is stored lower-cased.
    public init(algorithm: ChecksumAlgorithm, hex: String) {
        self.algorithm = algorithm
        self.hex = hex.lowercased()
    }

    /// Parses `xxh64:<hex>` or `sha256:<hex>`; bare hexadecimal of 64 digits is read as SHA-256 (the form of
    /// manifests written before the algorithm was named). Nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let algorithm: ChecksumAlgorithm
        let digits: Substring
        if parts.count == 2 {
            guard let named = ChecksumAlgorithm(rawValue: String(parts[0])) else { return nil }
            algorithm = named
            digits = parts[1]
        } else {
            algorithm = .sha256
            digits = parts[0]
        }
        guard digits.count == algorithm.hexDigits, digits.allSatisfy(\.isHexDigit) else { return nil }
        self.init(algorithm: algorithm, hex: String(digits))
    }

    /// `algorithm:hex`.
    public var description: String { "\(algorithm.rawValue):\(hex)" }
}

extension ChecksumAlgorithm {
    /// Length of the value in hexadecimal digits.
    public var hexDigits: Int {
        switch self {
        case .xxh64: 16
        case .sha256: 64
        }
    }
}

/// A streaming hasher for either checksum algorithm.
public struct ChecksumHasher: Sendable {
    /// The algorithm this hasher computes.
    public let algorithm: ChecksumAlgorithm
    private var xxh64 = XXH64()
    private var sha256 = SHA256()

    /// Creates a hasher in its initial state.
    public init(_ algorithm: ChecksumAlgorithm) {
        self.algorithm = algorithm
    }

    /// Adds bytes to the checksum.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        switch algorithm {
        case .xxh64: xxh64.update(buffer)
        case .sha256: sha256.update(buffer)
        }
    }

    /// The checksum of everything added so far (the hasher is left unchanged).
    public func finalize() -> Checksum {
        switch algorithm {
        case .xxh64: Checksum(algorithm: .xxh64, hex: XXH64.hex(xxh64.digest()))
        case .sha256: Checksum(algorithm: .sha256, hex: SHA256.hex(sha256.finalize()))
        }
    }

    /// The checksum of the bytes of the file at `path`, read 1 MiB at a time.
    public static func checksum(ofFile path: String, _ algorithm: ChecksumAlgorithm) throws(ColumnarError)
        -> Checksum
    {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ColumnarError(.io, "cannot open file to checksum it: \(systemErrorText())", path: path)
        }
        defer { close(descriptor) }
        var hasher = ChecksumHasher(algorithm)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { chunk.deallocate() }
        while true {
            let count = read(descriptor, chunk.baseAddress, chunk.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw ColumnarError(.io, "cannot read file to checksum it: \(systemErrorText())", path: path)
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
        }
        return hasher.finalize()
    }
}

/// The checksum of a file's contents (XXH64 unless `algorithm` says otherwise).
public func checksum(ofFile path: String, _ algorithm: ChecksumAlgorithm = .xxh64) throws(ColumnarError) -> Checksum {
    try ChecksumHasher.checksum(ofFile: path, algorithm)
}

/// Checks that a file's checksum equals `expected`, computed with `expected`'s algorithm.
///
/// Throws `.checksumMismatch` when the contents differ, `.io` when the file cannot be read.
public func verifyChecksum(ofFile path: String, expected: Checksum) throws(ColumnarError) {
    let actual = try checksum(ofFile: path, expected.algorithm)
    guard actual == expected else { throw Checksum.mismatch(actual: actual, expected: expected, path: path) }
}

extension Checksum {
    /// The error for a file whose checksum is `actual` where `expected` was recorded.
    static func mismatch(actual: Checksum, expected: Checksum, path: String) -> ColumnarError {
        ColumnarError(
            .checksumMismatch,
            "checksum is \(actual) but \(expected) was recorded; the file changed after it was written, "
                + "so rerun the stage that wrote it (e.g. with --force)",
            path: path)
    }
}

/// A streaming XXH64 hasher (xxHash's 64-bit algorithm, seed 0), in C for speed (about 20 GB/s per core).
///
/// ```swift
/// var hasher = XXH64()
/// hasher.update(Array("abc".utf8))
/// XXH64.hex(hasher.digest())  // "44bc2cf5ad770999", as `xxhsum -H1` prints it
/// ```
public struct XXH64: Sendable {
    private var state = segpipe_xxh64_state()

    /// Creates a hasher in its initial state.
    public init() {
        segpipe_xxh64_init(&state)
    }

    /// Adds bytes to the hash.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        segpipe_xxh64_update(&state, base, buffer.count)
    }

    /// Adds bytes to the hash.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The hash of everything added so far (the hasher is left unchanged).
    public func digest() -> UInt64 {
        withUnsafePointer(to: state) { segpipe_xxh64_digest($0) }
    }

    /// The XXH64 hash of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        var hasher = XXH64()
        hasher.update(bytes)
        return hasher.digest()
    }

    /// The canonical text of a hash: 16 lower-case hexadecimal digits, most significant first.
    public static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
