import Columnar

/// HMAC-SHA256 (RFC 2104) over Columnar's SHA-256, for pseudonymising contact data.
struct HMACSHA256 {
    private let innerPad: [UInt8]
    private let outerPad: [UInt8]

    /// Prepares a keyed hasher; keys longer than the 64-byte block are hashed first.
    init(key: [UInt8]) {
        var block = key.count > 64 ? SHA256.hash(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        innerPad = block.map { $0 ^ 0x36 }
        outerPad = block.map { $0 ^ 0x5C }
    }

    /// The MAC of `message` as lower-case hex.
    func hex(_ message: some Collection<UInt8>) -> String {
        var inner = SHA256()
        inner.update(innerPad)
        inner.update(Array(message))
        var outer = SHA256()
        outer.update(outerPad)
        outer.update(inner.finalize())
        return SHA256.hex(outer.finalize())
    }
}
