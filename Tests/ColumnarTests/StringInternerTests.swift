import Columnar
import Testing

@Suite struct StringInternerTests {
    @Test func ordinalsFollowFirstAppearanceAndRepeatsKeepTheirOrdinal() {
        let interner = StringInterner(capacity: 2)
        let ordinals = interner.insertAll(StringColumn(["b", "a", "b", "", "ü", "a"]))
        #expect(ordinals == [0, 1, 0, 2, 3, 1])
        #expect(interner.count == 4)
        #expect(interner.strings == StringColumn(["b", "a", "", "ü"]))
        #expect(interner.string(at: 3) == "ü")
    }

    /// Short keys pack into two words that are equal exactly when the keys are (length included, so a key and the
    /// same key with a trailing NUL differ); keys of 16 bytes and more have none.
    @Test func shortKeysPackIntoWordsThatTellThemApart() {
        func words(_ key: [UInt8]) -> [UInt64]? {
            key.withUnsafeBufferPointer { StringInterner.shortKey($0).map { [$0.low, $0.high] } }
        }
        var keys: [[UInt8]] = [[], [0], [0, 0], Array("EUR".utf8), Array("EUR\0".utf8)]
        for length in 1...15 {
            keys.append((0..<length).map { UInt8($0 + 1) })
            keys.append((0..<length).map { UInt8(200 - $0) })
        }
        let packed = keys.map(words)
        #expect(packed.allSatisfy { $0 != nil })
        #expect(Set(packed.compactMap { $0 }).count == keys.count)
        #expect(words(Array("completed".utf8)) == words(Array("completed".utf8)))
        #expect(words([UInt8](repeating: 7, count: 16)) == nil)
    }

    @Test func lookupsFindInsertedKeysOnlyAndCompareBytes() {
        let interner = StringInterner(StringColumn(["K001", "K002", "K0010"]))
        #expect(interner.ordinal(of: "K002") == 1)
        #expect(interner.ordinal(of: "K0010") == 2)
        #expect(interner.ordinal(of: "K00") == nil)
        #expect(interner.ordinal(of: "k001") == nil)
        // Precomposed and decomposed "é" are equal Swift strings but different bytes, so different keys.
        interner.insert("caf\u{E9}")
        #expect(interner.ordinal(of: "cafe\u{301}") == nil)
        #expect(interner.ordinals(of: StringColumn(["K0010", "x", "K001"])) == [2, -1, 0])
    }

    @Test func growingKeepsEveryKeyAndLongKeysHashWhole() {
        let interner = StringInterner(capacity: 1)
        let keys = (0..<50_000).map { "customer-\($0)-" + String(repeating: "x", count: $0 % 23) }
        for (index, key) in keys.enumerated() {
            let (ordinal, inserted) = interner.insert(key)
            #expect(ordinal == index && inserted)
        }
        for (index, key) in keys.enumerated() where index % 97 == 0 {
            #expect(interner.ordinal(of: key) == index)
            #expect(interner.insert(key).inserted == false)
        }
        #expect(interner.count == keys.count)
    }

    @Test func keysOfEveryShortLengthDifferingInOneByteStayDistinct() {
        // Lengths 0…20 cover the packed (≤ 15 bytes) and the long form; each key also has variants differing in its
        // first, middle or last byte, and a key padded with a NUL, which packing must not confuse with a shorter key.
        var keys: [String] = []
        for length in 0...20 {
            let base = String(repeating: "k", count: length)
            keys.append(base)
            keys.append(base + "\u{0}")
            guard length > 0 else { continue }
            for position in Set([0, length / 2, length - 1]) {
                var characters = Array(base)
                characters[position] = "x"
                keys.append(String(characters))
            }
        }
        let unique = Array(Set(keys)).sorted()
        let interner = StringInterner(capacity: 4)
        for (index, key) in unique.enumerated() {
            #expect(interner.insert(key) == (index, true), "\(key.debugDescription)")
        }
        #expect(interner.count == unique.count)
        for (index, key) in unique.enumerated() {
            #expect(interner.ordinal(of: key) == index, "\(key.debugDescription)")
            #expect(interner.insert(key) == (index, false))
            #expect(interner.string(at: index) == key)
        }
        #expect(interner.ordinal(of: "kkkkkkkkkkkkkkkkkkkkkk") == nil)
        #expect(interner.ordinal(of: "y") == nil)
    }

    @Test func gatheringCopiesRunsAndKeepsOrder() {
        let column = StringColumn(["zero", "one", "", "three", "four"])
        #expect(column.gathering([0, 1, 3, 4]) == StringColumn(["zero", "one", "three", "four"]))
        #expect(column.gathering([4, 2, 2, 0]) == StringColumn(["four", "", "", "zero"]))
        #expect(column.gathering([]) == StringColumn([String]()))
        #expect(column.gathering([0, 1, 2, 3, 4]) == column)
    }
}
