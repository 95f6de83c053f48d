import Columnar
import Testing

@testable import Segmentation

@Suite struct RejectTableTests {
    static func reject(_ stage: String, _ line: Int64, reason: String = "bad value") -> Reject {
        Reject(
            stage: stage, table: "orders", file: "orders.csv", line: line, field: "amount", reason: reason,
            raw: "O\(line);x")
    }

    /// Joined column by column, the rejects of two stages are the rejects of each in order, as going through
    /// ``Reject`` values gives them; a coded text column is read as its text.
    @Test func concatenatedTablesHoldEveryRejectInOrder() throws {
        let extract = (1...3).map { Self.reject("extract", Int64($0)) }
        let clean = [Self.reject("clean", 7, reason: "unknown customer: C9"), Self.reject("clean", 9)]
        var cleanTable = RejectTable.make(clean)
        let reasons = try cleanTable.strings("reason")
        let coded = Column(name: "reason", values: .dictionary(DictionaryColumn(coding: reasons)))
        cleanTable = try Table(columns: cleanTable.columns.map { $0.name == "reason" ? coded : $0 })
        let joined = try RejectTable.concatenating([RejectTable.make(extract), cleanTable, RejectTable.make([])])
        #expect(joined.columnNames == RejectTable.columnNames)
        #expect(try RejectTable.rejects(in: joined) == extract + clean)
        #expect(try RejectTable.rejects(in: RejectTable.concatenating([])).isEmpty)
    }

    @Test func aTableWithoutARejectsColumnIsRefused() throws {
        let table = try Table(columns: [Column(name: "stage", values: .utf8(StringColumn(["clean"])))])
        #expect(throws: PipelineError.self) { try RejectTable.concatenating([RejectTable.make([]), table]) }
    }
}
