internal import CPrefetch

/// Assigns dense ordinals (0, 1, 2, … in first-seen order) to distinct byte strings, with O(1) insert and lookup.
///
/// The pipeline's joins on text keys (customer ids, order ids, statuses, categories) go through this table
/// instead of `Set<String>` / `Dictionary<String, …>`: keys are hashed and compared as the UTF-8 bytes already in a
/// ``StringColumn``, so no `String` is built per row.
///
/// Open addressing with linear probing over a power-of-two slot array kept at most half full. Each slot packs the
/// upper 32 bits of the key's hash with the ordinal + 1 (0 marks an empty slot), so a probe rejects almost every
/// other key without reading its bytes. Keys of up to 15 bytes (most ids, statuses and codes) are also kept packed
/// with their length in 16 bytes per ordinal, so confirming a match is one comparison of two words instead of a
/// read of the key's offsets and bytes elsewhere in memory. The hash is seeded per table, so crafted keys cannot
/// force collisions.
///
/// ```swift
/// let interner = StringInterner(capacity: ids.count)
/// let ordinal = ids.withUTF8(at: 0) { interner.insert($0).ordinal }
/// ```
/// - Complexity: expected O(key length) per insert and lookup; memory 16 bytes per slot plus the key bytes.
public final class StringInterner {
    private var slots: UnsafeMutablePointer<UInt64>
    private var slotMask: Int
    private var keyBytes: UnsafeMutablePointer<UInt8>
    private var keyByteCapacity: Int
    private var keyByteCount = 0
    /// Start offset of each key in `keyBytes`, with one more entry (the end) than there are keys.
    private var keyOffsets: UnsafeMutablePointer<Int>
    private var keyOffsetCapacity: Int
    /// Per ordinal: the key packed by ``packed(_:)``, or ``longKey`` for keys of 16 bytes and more.
    private var packedKeys: UnsafeMutablePointer<PackedKey>
    private let seed: UInt64

    /// Number of distinct keys.
    public private(set) var count = 0

    /// Creates an empty table with room for about `capacity` keys before it grows.
    public init(capacity: Int = 16) {
        var slotCount = 16
        while slotCount < capacity * 2 { slotCount <<= 1 }
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        slotMask = slotCount - 1
        keyOffsetCapacity = max(capacity, 8) + 1
        keyOffsets = .allocate(capacity: keyOffsetCapacity)
        keyOffsets[0] = 0
        packedKeys = .allocate(capacity: keyOffsetCapacity)
        keyByteCapacity = max(capacity * 8, 64)
        keyBytes = .allocate(capacity: keyByteCapacity)
        seed = UInt64.random(in: 0...UInt64.max) | 1
    }

    /// Creates a table holding every string of `column`, in order (repeated strings keep their first ordinal).
    public convenience init(_ column: StringColumn) {
        self.init(capacity: column.count)
        column.withUnsafeStorage { offsets, bytes in
            for row in 0..<column.count {
                _ = insert(UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]]))
            }
        }
    }

    deinit {
        slots.deallocate()
        keyOffsets.deallocate()
        packedKeys.deallocate()
        keyBytes.deallocate()
    }

    // MARK: - Lookup and insertion

    /// The ordinal of `key`, or nil when it has not been inserted.
    public func ordinal(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        let packed = Self.packed(key)
        let hash = hashValue(key, packed)
        let tag = hash & 0xffff_ffff_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if entry & 0xffff_ffff_0000_0000 == tag {
                let ordinal = Int(truncatingIfNeeded: entry & 0xffff_ffff) - 1
                if keyEquals(ordinal, key, packed) { return ordinal }
            }
            slot = (slot + 1) & slotMask
        }
    }

    /// Starts fetching the slot `key` hashes to, for a lookup or insertion of `key` a few keys later: a table
    /// larger than the cache otherwise misses it on almost every key looked up in no particular order.
    @inline(__always)
    public func prefetch(_ key: UnsafeBufferPointer<UInt8>) {
        let hash = hashValue(key, Self.packed(key))
        segpipe_prefetch(slots + (Int(truncatingIfNeeded: hash) & slotMask))
    }

    /// A key of up to 15 bytes as two words (zero-padded, the length in the top byte), nil for a longer one: equal
    /// short keys give equal words, for a small cache a caller keeps in front of the table.
    @inlinable @inline(__always)
    public static func shortKey(_ key: UnsafeBufferPointer<UInt8>) -> (low: UInt64, high: UInt64)? {
        guard key.count <= 15 else { return nil }
        let packed = packed(key)
        return (packed.low, packed.high)
    }

    /// Inserts `key` if it is new; returns its ordinal and whether it was inserted now.
    @discardableResult
    public func insert(_ key: UnsafeBufferPointer<UInt8>) -> (ordinal: Int, inserted: Bool) {
        insert(key, Self.packed(key))
    }

    /// Inserts `key` (packed as `packed`) if it is new.
    @inline(__always)
    private func insert(_ key: UnsafeBufferPointer<UInt8>, _ packed: PackedKey) -> (ordinal: Int, inserted: Bool) {
        let hash = hashValue(key, packed)
        let tag = hash & 0xffff_ffff_0000_0000
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if entry & 0xffff_ffff_0000_0000 == tag {
                let ordinal = Int(truncatingIfNeeded: entry & 0xffff_ffff) - 1
                if keyEquals(ordinal, key, packed) { return (ordinal, false) }
            }
            slot = (slot + 1) & slotMask
        }
        precondition(count < Int(UInt32.max - 1), "StringInterner holds at most 2^32 - 2 keys")
        let ordinal = count
        appendKey(key, packed)
        slots[slot] = tag | UInt64(ordinal + 1)
        if count * 2 > slotMask + 1 { grow() }
        return (ordinal, true)
    }

    /// The ordinal of a string, or nil when it has not been inserted.
    public func ordinal(of key: String) -> Int? {
        var copy = key
        return copy.withUTF8 { ordinal(of: $0) }
    }

    /// Inserts a string if it is new; returns its ordinal and whether it was inserted now.
    @discardableResult
    public func insert(_ key: String) -> (ordinal: Int, inserted: Bool) {
        var copy = key
        return copy.withUTF8 { insert($0) }
    }

    /// For each string of `column`, its ordinal, or -1 when it is not in the table.
    public func ordinals(of column: StringColumn) -> [Int32] {
        [Int32](unsafeUninitializedCapacity: column.count) { result, initialized in
            column.withUnsafeStorage { offsets, bytes in
                for row in 0..<column.count {
                    let key = UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]])
                    result[row] = ordinal(of: key).map { Int32(truncatingIfNeeded: $0) } ?? -1
                }
            }
            initialized = column.count
        }
    }

    /// For each string of `column`, its ordinal, inserting the strings not yet in the table.
    ///
    /// A row equal to the row before reuses its ordinal without hashing: in the low-cardinality columns this is
    /// for (statuses, currencies, event types), the most frequent value often repeats.
    public func insertAll(_ column: StringColumn) -> [Int32] {
        [Int32](unsafeUninitializedCapacity: column.count) { result, initialized in
            column.withUnsafeStorage { offsets, bytes in
                var previous = Self.longKey
                var previousOrdinal: Int32 = -1
                for row in 0..<column.count {
                    let key = UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]])
                    let packed = Self.packed(key)
                    if packed == previous && packed != Self.longKey {
                        result[row] = previousOrdinal
                        continue
                    }
                    previousOrdinal = Int32(truncatingIfNeeded: insert(key, packed).ordinal)
                    previous = packed
                    result[row] = previousOrdinal
                }
            }
            initialized = column.count
        }
    }

    // MARK: - Keys

    /// Calls `body` with the bytes of the key with `ordinal`.
    public func withUTF8<R>(at ordinal: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        precondition(ordinal >= 0 && ordinal < count, "ordinal out of range")
        return try body(UnsafeBufferPointer(start: keyBytes + keyOffsets[ordinal], count: keyLength(ordinal)))
    }

    /// The key with `ordinal`, as a `String` (invalid UTF-8 repaired).
    public func string(at ordinal: Int) -> String {
        withUTF8(at: ordinal) { String(decoding: $0, as: UTF8.self) }
    }

    /// Every key, in ordinal order.
    public var strings: StringColumn {
        StringColumn(
            offsets: Array(UnsafeBufferPointer(start: keyOffsets, count: count + 1)),
            bytes: Array(UnsafeBufferPointer(start: keyBytes, count: keyByteCount)))
    }

    // MARK: - Internals

    @inline(__always)
    private func keyLength(_ ordinal: Int) -> Int { keyOffsets[ordinal + 1] - keyOffsets[ordinal] }

    /// A key of up to 15 bytes as two little-endian words, zero-padded, with the length in the top byte of the
    /// second; keys of 16 bytes and more are ``longKey``.
    @usableFromInline
    struct PackedKey: Equatable, Sendable {
        @usableFromInline var low: UInt64
        @usableFromInline var high: UInt64

        @inlinable
        init(low: UInt64, high: UInt64) {
            self.low = low
            self.high = high
        }
    }

    /// The packed form of every key of 16 bytes or more (no short key has a length byte of 255).
    @usableFromInline
    static let longKey = PackedKey(low: 0, high: .max)

    /// `key` packed into two words when it has at most 15 bytes, else ``longKey``. Reads only the key's bytes.
    @inlinable @inline(__always)
    static func packed(_ key: UnsafeBufferPointer<UInt8>) -> PackedKey {
        let length = key.count
        guard length <= 15 else { return longKey }
        guard let base = key.baseAddress, length > 0 else { return PackedKey(low: 0, high: 0) }
        let raw = UnsafeRawPointer(base)
        var low: UInt64 = 0
        var high: UInt64 = 0
        if length >= 8 {
            low = raw.loadUnaligned(as: UInt64.self)
            if length > 8 {
                // The last eight bytes, shifted so that bytes 8… land at the bottom.
                high = raw.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self) >> UInt64((16 - length) * 8)
            }
        } else if length >= 4 {
            // Two overlapping four-byte reads; the shared bytes are equal, so OR joins them.
            let first = UInt64(raw.loadUnaligned(as: UInt32.self))
            let last = UInt64(raw.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self))
            low = first | last << UInt64((length - 4) * 8)
        } else {
            for position in 0..<length { low |= UInt64(base[position]) << UInt64(position * 8) }
        }
        return PackedKey(low: low, high: high | UInt64(length) << 56)
    }

    @inline(__always)
    private func keyEquals(_ ordinal: Int, _ key: UnsafeBufferPointer<UInt8>, _ packed: PackedKey) -> Bool {
        guard packedKeys[ordinal] == packed else { return false }
        if packed != Self.longKey { return true }
        let length = keyLength(ordinal)
        guard length == key.count else { return false }
        guard let base = key.baseAddress else { return true }
        return memoryEquals(keyBytes + keyOffsets[ordinal], base, length)
    }

    private func appendKey(_ key: UnsafeBufferPointer<UInt8>, _ packed: PackedKey) {
        if count + 2 > keyOffsetCapacity {
            let capacity = keyOffsetCapacity * 2
            let grown = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
            grown.moveInitialize(from: keyOffsets, count: count + 1)
            keyOffsets.deallocate()
            keyOffsets = grown
            let grownPacked = UnsafeMutablePointer<PackedKey>.allocate(capacity: capacity)
            grownPacked.moveInitialize(from: packedKeys, count: count)
            packedKeys.deallocate()
            packedKeys = grownPacked
            keyOffsetCapacity = capacity
        }
        if keyByteCount + key.count > keyByteCapacity {
            var capacity = keyByteCapacity * 2
            while capacity < keyByteCount + key.count { capacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.moveInitialize(from: keyBytes, count: keyByteCount)
            keyBytes.deallocate()
            keyBytes = grown
            keyByteCapacity = capacity
        }
        if let base = key.baseAddress, key.count > 0 {
            (keyBytes + keyByteCount).initialize(from: base, count: key.count)
        }
        keyByteCount += key.count
        (packedKeys + count).initialize(to: packed)
        count += 1
        keyOffsets[count] = keyByteCount
    }

    /// Doubles the slot array and reinserts every key (their hashes are recomputed from the stored bytes).
    private func grow() {
        let slotCount = (slotMask + 1) * 2
        slots.deallocate()
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        slotMask = slotCount - 1
        for ordinal in 0..<count {
            let key = UnsafeBufferPointer(start: keyBytes + keyOffsets[ordinal], count: keyLength(ordinal))
            let hash = hashValue(key, packedKeys[ordinal])
            var slot = Int(truncatingIfNeeded: hash) & slotMask
            while slots[slot] != 0 { slot = (slot + 1) & slotMask }
            slots[slot] = (hash & 0xffff_ffff_0000_0000) | UInt64(ordinal + 1)
        }
    }

    /// The key's hash: from its packed words when it has at most 15 bytes, else from its bytes.
    @inline(__always)
    private func hashValue(_ key: UnsafeBufferPointer<UInt8>, _ packed: PackedKey) -> UInt64 {
        guard packed != Self.longKey else { return ByteHash.hash(key, seed: seed) }
        let multiplier: UInt64 = 0x9e37_79b9_7f4a_7c15
        var hash = (seed ^ packed.low) &* multiplier
        hash ^= hash >> 29
        hash = (hash ^ packed.high) &* multiplier
        hash ^= hash >> 29
        return ByteHash.avalanche(hash)
    }
}

/// A fast seeded 64-bit hash of short byte strings, for hash tables over column values.
///
/// 8 bytes at a time, multiply–xorshift mixing, a final avalanche. Not cryptographic.
enum ByteHash {
    /// The hash of `key` with `seed` (pick a random odd seed per table).
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>, seed: UInt64) -> UInt64 {
        let multiplier: UInt64 = 0x9e37_79b9_7f4a_7c15
        var hash = seed ^ (UInt64(key.count) &* multiplier)
        guard let base = key.baseAddress else { return avalanche(hash) }
        let raw = UnsafeRawPointer(base)
        var position = 0
        while position + 8 <= key.count {
            let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            hash = (hash ^ word) &* multiplier
            hash ^= hash >> 29
            position += 8
        }
        if position < key.count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while position < key.count {
                word |= UInt64(base[position]) << shift
                shift += 8
                position += 1
            }
            hash = (hash ^ word) &* multiplier
            hash ^= hash >> 29
        }
        return avalanche(hash)
    }

    /// Mixes every bit of `value` into every bit of the result (the 64-bit finaliser of MurmurHash3).
    @inline(__always)
    static func avalanche(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash
    }
}

/// Byte-wise equality of two memory ranges of `count` bytes.
@inline(__always)
func memoryEquals(_ left: UnsafePointer<UInt8>, _ right: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    let a = UnsafeRawPointer(left)
    let b = UnsafeRawPointer(right)
    var position = 0
    while position + 8 <= count {
        if a.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            != b.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        {
            return false
        }
        position += 8
    }
    while position < count {
        if left[position] != right[position] { return false }
        position += 1
    }
    return true
}
