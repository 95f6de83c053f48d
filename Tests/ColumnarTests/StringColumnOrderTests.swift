import Columnar
import Testing

@Suite struct StringColumnOrderTests {
    /// Ascending means byte order with no string twice: a prefix sorts before its extensions, an equal neighbour or
    /// any descent anywhere makes the column not ascending.
    @Test func strictlyAscendingComparesNeighboursByteByByte() {
        #expect(StringColumn([]).isAscending(strictly: true))
        #expect(StringColumn(["only"]).isAscending(strictly: true))
        #expect(StringColumn(["", "A", "AB", "B", "C0000009", "C0000010", "a", "ä"]).isAscending(strictly: true))
        #expect(!StringColumn(["A", "B", "B"]).isAscending(strictly: true))
        #expect(!StringColumn(["", ""]).isAscending(strictly: true))
        #expect(!StringColumn(["AB", "A"]).isAscending(strictly: true))
        #expect(!StringColumn(["A", "C", "B", "D"]).isAscending(strictly: true))
        // Byte order, not numeric or locale order: "10" sorts before "9", "Z" before "a", "z" before "ä".
        #expect(!StringColumn(["9", "10"]).isAscending(strictly: true))
        #expect(StringColumn(["10", "9", "Z", "a", "z", "ä"]).isAscending(strictly: true))
    }

    /// Not strictly, equal neighbours pass; a descent, or a longer string before its own prefix, still fails.
    @Test func ascendingAllowsEqualNeighboursUnlessStrict() {
        #expect(StringColumn(["", "", "A", "A", "AB"]).isAscending(strictly: false))
        #expect(!StringColumn(["A", "A", "AB", "A"]).isAscending(strictly: false))
        #expect(!StringColumn(["AB", "A"]).isAscending(strictly: false))
        #expect(StringColumn([]).isAscending(strictly: false))
        #expect(StringColumn(["", ""]).isAscending(strictly: false))
    }
}
