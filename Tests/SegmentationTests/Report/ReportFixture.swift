import Columnar
import Foundation
import TestSupport

@testable import Segmentation

/// Checkpoint folders with real segment-stage output, for report tests.
///
/// Runs the segment stage on deterministic customers from four groups and writes its tables and manifest with
/// `CheckpointStore`, next to extract, clean and dedupe manifests that carry only data-quality metrics.
struct ReportFixture {
    /// A label with markup in it, given to segment 1 of the runs that ask for it.
    static let hostileLabel = "<script>alert(\"x\")</script> & Co"

    let directory: TemporaryDirectory
    let store: CheckpointStore

    init() throws {
        directory = try TemporaryDirectory(prefix: "report")
        store = CheckpointStore(root: directory.path("checkpoints"))
    }

    /// Runs the segment stage for a new run and writes its checkpoint; returns the stage output.
    @discardableResult
    func addRun(
        _ runID: String, pipeline: String, asOf: String, method: String = "kmeans", k: Int? = nil,
        previous: StageOutput? = nil, shift: Int = 0, customers: Int = 240, hostileLabel: Bool = false
    ) throws -> StageOutput {
        var context = StageFixtures.context(k: k ?? 2)
        context.configuration.segment.k = k
        context.configuration.segment.kMax = 6
        context.configuration.segment.method = method
        context.runID = runID
        var inputs = StageInputs()
        inputs.set(try Self.features(count: customers, shift: shift), named: "customer_features", of: .features)
        if let previous {
            for name in ["segments", "customer_segments"] {
                if let table = previous.table(name) { inputs.setPrevious(table, named: name) }
            }
            inputs.previousRunID = "previous"
        }
        var output = try SegmentStage(context: context).run(inputs)
        if hostileLabel {
            output.tables = try output.tables.map { name, table in
                switch name {
                case "segments": (name, try Self.relabel(table, column: "label", segmentColumn: "segment_id"))
                case "customer_segments":
                    (name, try Self.relabel(table, column: "segment_label", segmentColumn: "segment_id"))
                default: (name, table)
                }
            }
        }

        try store.writeRunRecord(
            RunRecord(runID: runID, pipeline: pipeline, asOf: asOf, createdAt: "\(asOf)T02:00:00Z"))
        var manifest = Self.manifest(.segment, runID: runID, asOf: asOf)
        manifest.files = try output.tables.map { name, table in
            try store.writeTable(table, named: name, runID: runID, stage: .segment)
        }
        manifest.metrics = output.metrics
        try store.writeManifest(manifest)

        var extract = Self.manifest(.extract, runID: runID, asOf: asOf)
        extract.metrics = [
            "rows_rejected": .int(4),
            "rejects_by_reason": .object(["wrong field count": .int(3), "<b>bad</b> date": .int(1)]),
        ]
        try store.writeManifest(extract)
        var clean = Self.manifest(.clean, runID: runID, asOf: asOf)
        clean.metrics = [
            "rows_rejected": .int(12),
            "rejects_by_reason": .object(["order date after as_of": .int(12)]),
            "reject_rate": .object(["orders": .double(0.0125), "customers": .double(0)]),
        ]
        try store.writeManifest(clean)
        var dedupe = Self.manifest(.dedupe, runID: runID, asOf: asOf)
        dedupe.metrics = ["duplicates_merged": .int(17), "customers_in": .int(257), "customers_out": .int(240)]
        try store.writeManifest(dedupe)
        return output
    }

    private static func manifest(_ stage: StageName, runID: String, asOf: String) -> StageManifest {
        var manifest = StageManifest(
            stage: stage, runID: runID, asOf: asOf, startedAt: "\(asOf)T02:00:00Z", configDigest: "c",
            inputDigest: "i", inputs: [:])
        manifest.status = .completed
        manifest.finishedAt = "\(asOf)T02:00:01Z"
        manifest.durationSeconds = 1
        return manifest
    }

    /// `table` with the label of segment 1 replaced by ``hostileLabel``.
    private static func relabel(_ table: Table, column: String, segmentColumn: String) throws -> Table {
        let labels = try table.strings(column)
        let segments = try table.int64s(segmentColumn)
        let replaced = StringColumn((0..<table.rowCount).map { segments[$0] == 1 ? hostileLabel : labels[$0] })
        return try Table(
            columns: table.columns.map { $0.name == column ? Column(name: column, values: .utf8(replaced)) : $0 })
    }

    /// Customers from four well-separated groups in (recency, frequency, monetary), deterministic.
    static func features(count: Int, shift: Int) throws -> Table {
        let groups: [(recency: Int64, frequency: Int64, monetary: Double)] = [
            (5, 40, 8000), (300, 2, 60), (20, 10, 900), (700, 1, 20),
        ]
        var ids: [String] = []
        var recency: [Int64] = []
        var frequency: [Int64] = []
        var monetary: [Double] = []
        for index in 0..<count {
            let group = groups[(index + shift) % groups.count]
            ids.append(String(format: "C%05d", index))
            recency.append(group.recency + Int64(index % 5))
            frequency.append(group.frequency + Int64(index % 3))
            monetary.append(group.monetary * (1 + Double(index % 7) / 50))
        }
        return try Table(columns: [
            StageFixtures.text("customer_id", ids), Column(name: "recency_days", values: .int64(recency)),
            Column(name: "frequency", values: .int64(frequency)),
            Column(name: "monetary_total", values: .float64(monetary)),
        ])
    }
}
