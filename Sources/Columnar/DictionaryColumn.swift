/// Text stored as 32-bit codes into a dictionary of strings, as Arrow stores a `dictionary<values=utf8,
/// indices=int32>` column: row `i` is `dictionary[codes[i]]`.
///
/// Used where a column has few distinct values (currencies, statuses, event types) or holds another table's keys
/// (each order's customer id coded as the row of its customer in the customers table): the checkpoint file is
/// smaller, and a consumer can count or group by code without hashing the text of every row.
///
/// Every code is in `-1 ..< dictionary.count`; -1 reads as the empty string and is what null slots hold (a
/// column's validity says which rows are null; a file gets 0 there, and ``ArrowStreamWriter`` refuses -1 on a row
/// that is not null). The dictionary may hold strings no row uses.
public struct DictionaryColumn: Sendable, Hashable {
    /// One code per row.
    public private(set) var codes: [Int32]
    /// The strings the codes point at.
    public private(set) var dictionary: StringColumn

    /// Creates a column; every code must be in `-1 ..< dictionary.count`.
    public init(codes: [Int32], dictionary: StringColumn) {
        precondition(
            Self.codesFit(codes, dictionaryCount: dictionary.count), "a code lies outside the dictionary")
        self.codes = codes
        self.dictionary = dictionary
    }

    /// Codes plain strings, each distinct string once, in order of first appearance.
    public init(coding strings: StringColumn) {
        let interner = StringInterner(capacity: 64)
        let codes = interner.insertAll(strings)
        self.init(unchecked: codes, dictionary: interner.strings)
    }

    /// Number of rows.
    public var count: Int { codes.count }

    /// The string of row `index` (empty for code -1).
    public subscript(index: Int) -> String {
        let code = Int(codes[index])
        return code < 0 ? "" : dictionary[code]
    }

    /// Calls `body` with the UTF-8 bytes of row `index`, without allocating.
    public func withUTF8<R>(at index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let code = Int(codes[index])
        guard code >= 0 else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try dictionary.withUTF8(at: code, body)
    }

    /// Byte length of row `index`'s string.
    public func byteCount(at index: Int) -> Int {
        let code = Int(codes[index])
        return code < 0 ? 0 : dictionary.byteCount(at: code)
    }

    /// The rows as plain strings, one after another.
    public func decoded() -> StringColumn {
        codes.withUnsafeBufferPointer { codes in
            dictionary.withUnsafeStorage { offsets, bytes in
                var byteTotal = 0
                for code in codes where code >= 0 { byteTotal += offsets[Int(code) + 1] - offsets[Int(code)] }
                var newBytes: [UInt8] = []
                let newOffsets = [Int](unsafeUninitializedCapacity: codes.count + 1) { target, initialized in
                    target[0] = 0
                    newBytes = [UInt8](unsafeUninitializedCapacity: byteTotal) { output, written in
                        var position = 0
                        for (row, code) in codes.enumerated() {
                            if code >= 0 {
                                let start = offsets[Int(code)]
                                let length = offsets[Int(code) + 1] - start
                                if length > 0 {
                                    (output.baseAddress! + position).initialize(
                                        from: bytes.baseAddress! + start, count: length)
                                }
                                position += length
                            }
                            target[row + 1] = position
                        }
                        written = position
                    }
                    initialized = codes.count + 1
                }
                return StringColumn(offsets: newOffsets, bytes: newBytes)
            }
        }
    }

    /// The rows at `indices`, in that order, over the same dictionary.
    public func gathering(_ indices: [Int]) -> DictionaryColumn {
        if indices.count == count, indices.elementsEqual(0..<count) { return self }
        let gathered = codes.withUnsafeBufferPointer { codes in indices.map { codes[$0] } }
        return DictionaryColumn(unchecked: gathered, dictionary: dictionary)
    }

    /// Appends the rows of `other`, whose dictionary must be this column's or extend it (start with its strings).
    public mutating func append(contentsOf other: DictionaryColumn) {
        precondition(other.dictionary.hasPrefix(dictionary), "appending rows coded against another dictionary")
        codes.append(contentsOf: other.codes)
        dictionary = other.dictionary
    }

    /// Creates a column whose codes the caller has checked.
    init(unchecked codes: [Int32], dictionary: StringColumn) {
        self.codes = codes
        self.dictionary = dictionary
    }

    /// Whether every code is in `-1 ..< dictionaryCount`.
    public static func codesFit(_ codes: [Int32], dictionaryCount: Int) -> Bool {
        codes.withUnsafeBufferPointer { codesFit($0, dictionaryCount: dictionaryCount) }
    }

    /// Whether every code is in `-1 ..< dictionaryCount`.
    public static func codesFit(_ codes: UnsafeBufferPointer<Int32>, dictionaryCount: Int) -> Bool {
        var low = Int32.max
        var high = Int32.min
        for code in codes {
            low = min(low, code)
            high = max(high, code)
        }
        return codes.isEmpty || (low >= -1 && Int(high) < dictionaryCount)
    }
}

extension StringColumn {
    /// Whether this column starts with every string of `prefix`, in order.
    ///
    /// Cheap when both share their buffers (the same column handed on): the arrays compare by identity first.
    public func hasPrefix(_ prefix: StringColumn) -> Bool {
        guard prefix.count <= count else { return false }
        if prefix.count == count { return self == prefix }
        return withUnsafeStorage { offsets, bytes in
            prefix.withUnsafeStorage { prefixOffsets, prefixBytes in
                let byteCount = prefixOffsets[prefix.count]
                guard byteCount <= bytes.count,
                    UnsafeBufferPointer(rebasing: offsets[0...prefix.count]).elementsEqual(prefixOffsets),
                    UnsafeBufferPointer(rebasing: bytes[0..<byteCount]).elementsEqual(
                        UnsafeBufferPointer(rebasing: prefixBytes[0..<byteCount]))
                else { return false }
                return true
            }
        }
    }
}
