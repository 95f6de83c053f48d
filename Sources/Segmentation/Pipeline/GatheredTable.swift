import Columnar

/// A table given as rows of another table, some columns replaced: what a stage that filters rows produces.
///
/// Written to a checkpoint through ``CheckpointOutput/write(_:named:)``, it is gathered one record batch at a time,
/// so the filtered copy of the untouched columns never exists whole in memory; ``table()`` builds it whole (for a
/// stage run on its own, as in tests).
struct GatheredTable: Sendable {
    /// The table the rows come from.
    var source: Table
    /// The rows of `source` to keep, in output order.
    var rows: [Int]
    /// Columns that replace `source`'s of the same name; they already hold one value per kept row.
    var replacing: [String: Column]

    /// Rows in the gathered table.
    var rowCount: Int { rows.count }

    /// The whole gathered table.
    func table() throws(PipelineError) -> Table {
        try Self.makeTable(source.gathering(rows, replacing: replacing))
    }

    /// The gathered rows `range` (positions in ``rows``) as a table.
    func slice(_ range: Range<Int>) throws(PipelineError) -> Table {
        let indices = Array(rows[range])
        let positions = Array(range)
        return try Self.makeTable(
            source.columns.map { column in
                replacing[column.name].map { $0.gathering(positions) } ?? column.gathering(indices)
            })
    }

    private static func makeTable(_ columns: [Column]) throws(PipelineError) -> Table {
        do {
            return try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "a gathered table has inconsistent columns", underlying: error)
        }
    }
}

extension CheckpointOutput {
    /// Writes a whole table as `<name>.arrow`, as the runner writes a stage's tables, and returns its manifest entry.
    func write(_ table: Table, named name: String) throws(PipelineError) -> StageManifest.File {
        try store.writeTable(table, named: name, runID: runID, stage: stage)
    }

    /// Writes `table` as `<name>.arrow` one record batch (2^20 rows) at a time and returns its manifest entry.
    ///
    /// The batches are those ``ArrowFileWriter`` cuts, so the file is byte for byte the one the runner would write
    /// for the whole table.
    func write(_ table: GatheredTable, named name: String) throws(PipelineError) -> StageManifest.File {
        let writer = try open(name, columns: table.source.columns.map { ($0.name, $0.type) })
        let batch = ArrowFileWriter.defaultBatchRowCount
        do {
            for start in stride(from: 0, to: table.rowCount, by: batch) {
                try writer.append(try table.slice(start..<min(start + batch, table.rowCount)))
            }
            return Self.manifestEntry(try writer.finish(), name: name)
        } catch let error as PipelineError {
            writer.abandon()
            throw error
        } catch {
            writer.abandon()
            throw PipelineError(.io, "cannot write checkpoint \(writer.path)", underlying: error)
        }
    }
}
