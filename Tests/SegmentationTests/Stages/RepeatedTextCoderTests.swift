import Columnar
import Testing

@testable import Segmentation

/// Pass-through text columns are dictionary-coded when their values repeat, and stay plain when they look like ids.
@Suite struct RepeatedTextCoderTests {
    @Test func repeatingValuesAreCodedAcrossSlicesAndNullsKept() throws {
        let coder = RepeatedTextCoder("category")
        let first = Column(
            name: "category", values: .utf8(StringColumn(["Books", "", "Garden", "Books"])),
            validity: [true, false, true, true])
        let coded = coder.gathered(first, rows: [0, 1, 3])
        guard case .dictionary(let values) = coded.values else {
            Issue.record("repeating values are not coded")
            return
        }
        #expect(values.codes == [0, -1, 0])
        #expect(coded.validity == [true, false, true])
        // The rejected row's value (row 2, "Garden") is not in the dictionary until a kept row has it.
        #expect(values.dictionary == StringColumn(["Books"]))
        let second = coder.gathered(
            Column(name: "category", values: .utf8(StringColumn(["Toys", "Books"]))), rows: [0, 1])
        guard case .dictionary(let more) = second.values else {
            Issue.record("a later slice is not coded")
            return
        }
        #expect(more.dictionary == StringColumn(["Books", "Toys"]))
        #expect(more.decoded() == StringColumn(["Toys", "Books"]))
        #expect(second.validity == nil)
    }

    @Test func idLikeValuesStayPlain() {
        let coder = RepeatedTextCoder("campaign_id")
        let count = RepeatedTextCoder.distinctLimit + 1
        let ids = StringColumn((0..<count).map { "K\($0)" })
        let column = Column(name: "campaign_id", values: .utf8(ids))
        let gathered = coder.gathered(column, rows: Array(0..<count))
        #expect(gathered.values == .utf8(ids))
        // Decided once: a later slice of few values stays plain too.
        let later = coder.gathered(Column(name: "campaign_id", values: .utf8(StringColumn(["a", "a"]))), rows: [0, 1])
        #expect(later.values == .utf8(StringColumn(["a", "a"])))
    }
}
