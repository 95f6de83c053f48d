/// Builds a FlatBuffer back to front, the way the reference implementation does, for the few Arrow
/// metadata tables segpipe writes.
///
/// Positions are "offsets from the end" of the finished buffer, which stay valid while the buffer grows
/// towards its front. Child objects (strings, vectors, tables) are built before the table that points to
/// them, and one table is built at a time.
struct FlatBufferBuilder {
    /// The position of an object, counted in bytes from the end of the buffer.
    typealias Offset = Int

    private var storage: [UInt8]
    private var head: Int
    private var minimumAlignment = 1
    private var fieldLocations: [(field: Int, offset: Offset)] = []
    private var tableStart: Offset = 0

    /// Creates an empty builder.
    init(capacity: Int = 1024) {
        storage = [UInt8](repeating: 0, count: capacity)
        head = capacity
    }

    /// Bytes written so far.
    var size: Int { storage.count - head }

    // MARK: - Raw bytes

    private mutating func reserve(_ count: Int) {
        guard head < count else { return }
        let growth = max(storage.count, count)
        storage.insert(contentsOf: repeatElement(0, count: growth), at: 0)
        head += growth
    }

    /// Prepends `count` zero bytes.
    mutating func pad(_ count: Int) {
        reserve(count)
        for _ in 0..<count {
            head -= 1
            storage[head] = 0
        }
    }

    /// Pads so that after `additional` more bytes the size is a multiple of `alignment`.
    mutating func align(_ alignment: Int, additional: Int = 0) {
        minimumAlignment = max(minimumAlignment, alignment)
        let remainder = (size + additional) % alignment
        if remainder != 0 { pad(alignment - remainder) }
    }

    /// Prepends a little-endian scalar, aligned to its own size.
    mutating func push<T: FixedWidthInteger>(_ value: T) {
        align(MemoryLayout<T>.size)
        pushUnaligned(value)
    }

    private mutating func pushUnaligned<T: FixedWidthInteger>(_ value: T) {
        let count = MemoryLayout<T>.size
        reserve(count)
        head -= count
        var littleEndian = value.littleEndian
        let start = head
        withUnsafeBytes(of: &littleEndian) { bytes in
            for index in 0..<count { storage[start + index] = bytes[index] }
        }
    }

    /// Prepends an unsigned offset pointing at `target`.
    mutating func pushOffset(_ target: Offset) {
        align(4)
        pushUnaligned(UInt32(size + 4 - target))
    }

    // MARK: - Objects

    /// Writes a string and returns its position.
    mutating func createString(_ string: String) -> Offset {
        let utf8 = Array(string.utf8)
        align(4, additional: utf8.count + 1)
        pad(1)
        reserve(utf8.count)
        head -= utf8.count
        storage.replaceSubrange(head..<(head + utf8.count), with: utf8)
        pushUnaligned(UInt32(utf8.count))
        return size
    }

    /// Writes a vector of offsets to tables or strings and returns its position.
    mutating func createOffsetVector(_ targets: [Offset]) -> Offset {
        align(4, additional: 4 * targets.count)
        for target in targets.reversed() { pushOffset(target) }
        pushUnaligned(UInt32(targets.count))
        return size
    }

    /// Writes a vector of inline structs; `writeElement` prepends element `index` (called last to first).
    mutating func createStructVector(
        count: Int, stride: Int, alignment: Int, _ writeElement: (inout FlatBufferBuilder, Int) -> Void
    ) -> Offset {
        align(4, additional: count * stride)
        align(alignment, additional: count * stride)
        for index in (0..<count).reversed() { writeElement(&self, index) }
        push(UInt32(count))
        return size
    }

    // MARK: - Tables

    /// Starts a table; add its fields, then call `endTable()`.
    mutating func startTable() {
        fieldLocations.removeAll(keepingCapacity: true)
        tableStart = size
    }

    /// Adds a scalar field to the current table.
    mutating func add<T: FixedWidthInteger>(_ field: Int, _ value: T) {
        push(value)
        fieldLocations.append((field, size))
    }

    /// Adds a Boolean field to the current table.
    mutating func add(_ field: Int, bool value: Bool) {
        add(field, UInt8(value ? 1 : 0))
    }

    /// Adds a field pointing at a string, vector or table.
    mutating func addOffset(_ field: Int, _ target: Offset) {
        pushOffset(target)
        fieldLocations.append((field, size))
    }

    /// Finishes the current table, writes its vtable, and returns the table's position.
    mutating func endTable() -> Offset {
        push(Int32(0))
        let tableOffset = size
        let fieldCount = (fieldLocations.map(\.field).max() ?? -1) + 1
        var entries = [UInt16](repeating: 0, count: fieldCount)
        for location in fieldLocations { entries[location.field] = UInt16(tableOffset - location.offset) }
        for entry in entries.reversed() { push(entry) }
        push(UInt16(tableOffset - tableStart))
        push(UInt16(4 + 2 * fieldCount))
        let vtableOffset = size
        var distance = Int32(vtableOffset - tableOffset).littleEndian
        let position = storage.count - tableOffset
        withUnsafeBytes(of: &distance) { bytes in
            for index in 0..<4 { storage[position + index] = bytes[index] }
        }
        fieldLocations.removeAll(keepingCapacity: true)
        return tableOffset
    }

    /// Writes the root offset and returns the finished buffer, whose size is a multiple of its alignment.
    mutating func finish(root: Offset) -> [UInt8] {
        align(max(minimumAlignment, 4), additional: 4)
        pushOffset(root)
        return Array(storage[head...])
    }
}
