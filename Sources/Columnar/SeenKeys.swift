internal import CPrefetch

/// Which byte-string keys have been seen among more rows than are kept in memory, as when the clean stage drops
/// repeated order ids while the orders stream through a slice at a time.
///
/// A key is remembered by the row it came from, not by its bytes: each slot packs the upper 24 bits of the key's
/// hash with the row's number + 1 (40 bits). When a new key's probe meets an entry with the same tag, the caller
/// reads that row's key back (`isSame`) to confirm, so the answer is exact; that happens for real repeats and for
/// about one unrelated key in 16 million probes. At 8 bytes per slot and a table at most 70 % full, ten million keys
/// take 128 MB, where an interner holding their bytes needs over 500 MB, and an insert touches one cache line.
///
/// A table this size misses the cache on almost every insert. Hash a block of keys first, ``prefetch(_:)`` each
/// slot a few keys ahead, then ``insert(_:hash:row:isSame:)``: the misses then overlap.
public final class SeenKeys {
    private let slots: UnsafeMutablePointer<UInt64>
    private let slotMask: Int
    private let seed: UInt64
    /// The most keys the table was sized for.
    public let capacity: Int
    /// Keys inserted.
    public private(set) var count = 0

    private static let rowBits: UInt64 = 40
    private static let rowMask: UInt64 = (1 << rowBits) - 1

    /// A table for at most `capacity` distinct keys, of rows numbered below 2^40 - 1.
    public init(capacity: Int) {
        precondition(capacity >= 0 && UInt64(capacity) < Self.rowMask, "SeenKeys holds fewer than 2^40 - 1 rows")
        var slotCount = 16
        while slotCount * 7 < capacity * 10 { slotCount <<= 1 }
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        slotMask = slotCount - 1
        seed = UInt64.random(in: 0...UInt64.max) | 1
        self.capacity = capacity
    }

    deinit {
        slots.deallocate()
    }

    /// The table's hash of `key`.
    @inline(__always)
    public func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        ByteHash.hash(key, seed: seed)
    }

    /// Starts loading the slot a key with hash `hash` probes first.
    @inline(__always)
    public func prefetch(_ hash: UInt64) {
        segpipe_prefetch(slots + (Int(truncatingIfNeeded: hash) & slotMask))
    }

    /// Remembers the key with hash `hash` (from ``hash(_:)``) as the key of `row` if no earlier row had it, and
    /// returns whether it is new. `isSame(other)` says whether the key of the earlier row `other` is this key; it
    /// is called only when the two hashes agree in the slot and tag bits.
    @inline(__always)
    public func insert<Failure: Error>(
        hash: UInt64, row: Int, isSame: (Int) throws(Failure) -> Bool
    ) throws(Failure) -> Bool {
        let tag = hash & ~Self.rowMask
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if entry & ~Self.rowMask == tag, try isSame(Int(entry & Self.rowMask) - 1) { return false }
            slot = (slot + 1) & slotMask
        }
        precondition(count < capacity, "SeenKeys is full: it was sized for \(capacity) keys")
        precondition(row >= 0 && UInt64(row) < Self.rowMask, "SeenKeys rows are numbered from 0 to 2^40 - 2")
        slots[slot] = tag | UInt64(row + 1)
        count += 1
        return true
    }
}
