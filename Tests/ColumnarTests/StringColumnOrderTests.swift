import Columnar
import Testing

@Suite struct StringColumnOrderTests {
    /// Ascending means byte order with no string twice: a prefix sorts before its extensions, an equal neighbour or
    /// any descent anywhere makes the column not ascending.
    @Test func strictlyAscendingComparesNeighboursByteByByte() {
        #expect(StringColumn([]).isStrictlyAscending)
        #expect(StringColumn(["only"]).isStrictlyAscending)
        #expect(StringColumn(["", "A", "AB", "B", "C0000009", "C0000010", "a", "ä"]).isStrictlyAscending)
        #expect(!StringColumn(["A", "B", "B"]).isStrictlyAscending)
        #expect(!StringColumn(["", ""]).isStrictlyAscending)
        #expect(!StringColumn(["AB", "A"]).isStrictlyAscending)
        #expect(!StringColumn(["A", "C", "B", "D"]).isStrictlyAscending)
        // Byte order, not numeric or locale order: "10" sorts before "9", "Z" before "a", "z" before "ä".
        #expect(!StringColumn(["9", "10"]).isStrictlyAscending)
        #expect(StringColumn(["10", "9", "Z", "a", "z", "ä"]).isStrictlyAscending)
    }
}
