/// A bounds-checked view of one FlatBuffer table inside a byte buffer.
///
/// Every read is checked against the buffer, so a corrupted file yields `.malformedFile` instead of an
/// out-of-bounds read. The buffer must outlive the view.
struct FlatBufferTable {
    /// The whole FlatBuffer.
    let bytes: UnsafeRawBufferPointer
    /// Position of the table in `bytes`.
    let position: Int
    private let vtable: Int
    private let vtableLength: Int
    private let inlineLength: Int

    /// Reads the table at `position`, validating its vtable.
    init(bytes: UnsafeRawBufferPointer, position: Int) throws(ColumnarError) {
        guard position >= 0, position <= bytes.count - 4 else {
            throw Self.malformed("table at \(position) lies outside the \(bytes.count)-byte buffer")
        }
        let vtable = position - Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: Int32.self)))
        guard vtable >= 0, vtable <= bytes.count - 4 else {
            throw Self.malformed("vtable of table at \(position) lies outside the buffer")
        }
        let vtableLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: vtable, as: UInt16.self)))
        let inlineLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: vtable + 2, as: UInt16.self)))
        guard vtableLength >= 4, vtableLength % 2 == 0, vtable + vtableLength <= bytes.count,
            inlineLength >= 4, position + inlineLength <= bytes.count
        else {
            throw Self.malformed("vtable of table at \(position) is invalid")
        }
        self.bytes = bytes
        self.position = position
        self.vtable = vtable
        self.vtableLength = vtableLength
        self.inlineLength = inlineLength
    }

    /// Reads the root table of a FlatBuffer.
    static func root(of bytes: UnsafeRawBufferPointer) throws(ColumnarError) -> FlatBufferTable {
        guard bytes.count >= 8 else { throw malformed("a \(bytes.count)-byte flatbuffer is too short") }
        let root = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        return try FlatBufferTable(bytes: bytes, position: root)
    }

    static func malformed(_ detail: String) -> ColumnarError {
        ColumnarError(
            .malformedFile, "invalid Arrow metadata: \(detail); the file is corrupted or not an Arrow IPC file")
    }

    // MARK: - Fields

    /// Position of field `field` if present, checking that `size` bytes fit in the table.
    private func fieldPosition(_ field: Int, size: Int) throws(ColumnarError) -> Int? {
        let entry = 4 + 2 * field
        guard entry + 2 <= vtableLength else { return nil }
        let offset = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: vtable + entry, as: UInt16.self)))
        guard offset != 0 else { return nil }
        guard offset + size <= inlineLength else {
            throw Self.malformed("field \(field) of table at \(position) lies outside the table")
        }
        return position + offset
    }

    /// Whether field `field` is present.
    func has(_ field: Int) throws(ColumnarError) -> Bool {
        try fieldPosition(field, size: 0) != nil
    }

    /// A scalar field, or `defaultValue` when absent.
    func scalar<T: FixedWidthInteger>(_ field: Int, default defaultValue: T) throws(ColumnarError) -> T {
        guard let at = try fieldPosition(field, size: MemoryLayout<T>.size) else { return defaultValue }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: T.self))
    }

    /// A Boolean field, or `defaultValue` when absent.
    func bool(_ field: Int, default defaultValue: Bool) throws(ColumnarError) -> Bool {
        try scalar(field, default: UInt8(defaultValue ? 1 : 0)) != 0
    }

    /// The target position of an offset field, or `nil` when absent.
    private func target(_ field: Int) throws(ColumnarError) -> Int? {
        guard let at = try fieldPosition(field, size: 4) else { return nil }
        let target = at + Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
        guard target <= bytes.count - 4 else {
            throw Self.malformed("field \(field) of table at \(position) points outside the buffer")
        }
        return target
    }

    /// A table field, or `nil` when absent.
    func table(_ field: Int) throws(ColumnarError) -> FlatBufferTable? {
        guard let target = try target(field) else { return nil }
        return try FlatBufferTable(bytes: bytes, position: target)
    }

    /// A string field, or `nil` when absent.
    func string(_ field: Int) throws(ColumnarError) -> String? {
        guard let target = try target(field) else { return nil }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: target, as: UInt32.self)))
        guard length <= bytes.count - target - 4 else {
            throw Self.malformed("string in table at \(position) runs past the buffer")
        }
        return String(
            decoding: UnsafeRawBufferPointer(rebasing: bytes[(target + 4)..<(target + 4 + length)]), as: UTF8.self)
    }

    /// A vector field with elements of `elementSize` bytes, or `nil` when absent.
    func vector(_ field: Int, elementSize: Int) throws(ColumnarError) -> FlatBufferVector? {
        guard let target = try target(field) else { return nil }
        let count = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: target, as: UInt32.self)))
        guard count <= (bytes.count - target - 4) / elementSize else {
            throw Self.malformed("vector in table at \(position) runs past the buffer")
        }
        return FlatBufferVector(bytes: bytes, start: target + 4, count: count, elementSize: elementSize)
    }
}

/// A bounds-checked vector inside a FlatBuffer; its extent is validated on creation.
struct FlatBufferVector {
    let bytes: UnsafeRawBufferPointer
    /// Position of the first element.
    let start: Int
    let count: Int
    let elementSize: Int

    /// Reads scalar `member` at byte `offset` within element `index` (for vectors of structs).
    func load<T: FixedWidthInteger>(_ index: Int, at offset: Int, as type: T.Type) -> T {
        precondition(index >= 0 && index < count && offset + MemoryLayout<T>.size <= elementSize)
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: start + index * elementSize + offset, as: T.self))
    }

    /// The table element `index` points at (for vectors of tables).
    func table(_ index: Int) throws(ColumnarError) -> FlatBufferTable {
        let at = start + index * 4
        let target = at + Int(load(index, at: 0, as: UInt32.self))
        return try FlatBufferTable(bytes: bytes, position: target)
    }
}
