import Columnar

/// Conversion between ``Reject`` values and the `rejects` checkpoint table.
enum RejectTable {
    /// Column names of the rejects table, in order.
    static let columnNames = ["stage", "table", "file", "line", "field", "reason", "raw"]

    /// A rejects table holding `rejects`.
    static func make(_ rejects: [Reject]) -> Table {
        var stage = StringColumn(capacity: rejects.count)
        var table = StringColumn(capacity: rejects.count)
        var file = StringColumn(capacity: rejects.count)
        var line: [Int64] = []
        line.reserveCapacity(rejects.count)
        var field = StringColumn(capacity: rejects.count)
        var reason = StringColumn(capacity: rejects.count)
        var raw = StringColumn(capacity: rejects.count)
        for reject in rejects {
            stage.append(reject.stage)
            table.append(reject.table)
            file.append(reject.file)
            line.append(reject.line)
            field.append(reject.field)
            reason.append(reject.reason)
            raw.append(reject.raw)
        }
        let columns = [
            Column(name: "stage", values: .utf8(stage)), Column(name: "table", values: .utf8(table)),
            Column(name: "file", values: .utf8(file)),
            Column(name: "line", values: .int64(line)), Column(name: "field", values: .utf8(field)),
            Column(name: "reason", values: .utf8(reason)), Column(name: "raw", values: .utf8(raw)),
        ]
        // All columns have one entry per reject and distinct names.
        return (try? Table(columns: columns)) ?? emptyTable
    }

    /// The rows of the rejects tables `tables`, one table after the other, joined column by column (a million
    /// rejects are not made into ``Reject`` values and back). Coded text is decoded and missing values read as
    /// ``rejects(in:)`` reads them.
    ///
    /// - Throws: ``PipelineError`` when a table lacks a rejects column or has one of another type.
    static func concatenating(_ tables: [Table]) throws(PipelineError) -> Table {
        guard !tables.isEmpty else { return make([]) }
        var columns: [Column] = []
        for name in columnNames {
            var pieces: [Column] = []
            for table in tables {
                let values: ColumnValues =
                    name == "line" ? .int64(try table.int64s(name)) : .utf8(try table.strings(name))
                pieces.append(Column(name: name, values: values))
            }
            columns.append(Column.concatenating(&pieces))
        }
        do {
            return try Table(columns: columns)
        } catch {
            throw PipelineError(.checkpoint, "rejects tables differ in length", underlying: error)
        }
    }

    /// The rejects stored in a rejects table.
    static func rejects(in table: Table) throws(PipelineError) -> [Reject] {
        let stage = try table.strings("stage")
        let tableName = try table.strings("table")
        let file = try table.strings("file")
        let line = try table.int64s("line")
        let field = try table.strings("field")
        let reason = try table.strings("reason")
        let raw = try table.strings("raw")
        return (0..<table.rowCount).map {
            Reject(
                stage: stage[$0], table: tableName[$0], file: file[$0], line: line[$0], field: field[$0],
                reason: reason[$0], raw: raw[$0])
        }
    }

    private static let emptyTable: Table = {
        (try? Table(columns: [])) ?? { preconditionFailure("an empty table is always valid") }()
    }()

    /// Rejects counted by reason, for stage metrics.
    static func countsByReason(_ rejects: [Reject]) -> JSONValue {
        var counts: [String: Int64] = [:]
        for reject in rejects { counts[reasonCategory(reject.reason), default: 0] += 1 }
        return .object(counts.mapValues { .int($0) })
    }

    /// The reason without the offending value, so counts group similar rejects (text before the first colon).
    static func reasonCategory(_ reason: String) -> String {
        // On the UTF-8 bytes: a search by Character walks grapheme clusters, which tens of thousands of rejects
        // notice.
        guard let colon = reason.utf8.firstIndex(of: UInt8(ascii: ":")) else { return reason }
        return String(Substring(reason.utf8[..<colon]))
    }
}
