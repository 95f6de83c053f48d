import Columnar
import Testing

@testable import Segmentation

@Suite struct CategoryTallyTests {
    @Test func countsDistinctCategoriesAndBreaksTiesByName() {
        let names = StringInterner(StringColumn(["Schuhe", "Bücher", "Garten"]))
        // Customer 0: Schuhe ×2, Bücher ×2 → tie, "Bücher" sorts first. Customer 1: none categorised.
        // Customer 2: Garten ×1. Customer 3: no orders.
        let tally = CategoryTally(
            customerCount: 4, orderCustomer: [0, 2, 0, 1, 0, 0], orderCategory: [0, 2, 1, -1, 1, 0], names: names)
        #expect(tally.distinctCount == [2, 0, 1, 0])
        #expect(tally.top.map { $0 < 0 ? nil : names.string(at: Int($0)) } == ["Bücher", nil, "Garten", nil])
    }
}
