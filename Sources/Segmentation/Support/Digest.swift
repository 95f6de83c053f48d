import Columnar

/// SHA-256 digests as lower-case hex, for configuration sections and checkpoint inputs.
enum Digest {
    /// Digest of a string's UTF-8 bytes.
    static func sha256(_ text: String) -> String {
        SHA256.hex(SHA256.hash(Array(text.utf8)))
    }

    /// Digest of an `Encodable` value encoded as canonical JSON (sorted keys).
    static func sha256(json value: some Encodable) -> String {
        sha256(CanonicalJSON.string(value))
    }
}
