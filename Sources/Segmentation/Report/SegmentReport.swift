import Foundation

/// The segment report: one self-contained HTML page per run, with charts as inline SVG.
///
/// The page needs no network access, JavaScript or external fonts. It shows the run header, segment sizes and
/// revenue shares, a profile heat map (segments × features, z-scores), the RFM grid, the k-selection curves
/// (for `k: auto`), the dendrogram (hierarchical runs), transitions since the previous run of the same pipeline,
/// and data-quality figures. All text from the data is HTML-escaped.
public struct SegmentReport {
    /// Leaves shown in the dendrogram; earlier merges are contracted as in SciPy's `truncate_mode="lastp"`.
    static let dendrogramLeafCount = 50

    let data: ReportData

    /// Renders the report of run `runID` (or of the latest run with a completed segment stage) as HTML.
    ///
    /// - Parameters:
    ///   - checkpointDirectory: Root folder of the checkpoints (`checkpoint_dir` of the pipeline).
    ///   - runID: The run to report on; `nil` for the latest run (by `as_of`, then creation time) whose segment
    ///     stage completed.
    /// - Throws: ``PipelineError`` with code `usage` for an unknown run or no segmented run, `checkpoint` when
    ///   the run's segment checkpoint is missing, incomplete or corrupt.
    public static func render(checkpointDirectory: String, runID: String?) throws(PipelineError) -> String {
        let store = CheckpointStore(root: checkpointDirectory)
        return SegmentReport(data: try ReportData.load(store: store, runID: runID)).html()
    }

    /// Renders the report like ``render(checkpointDirectory:runID:)`` and writes it to `path` atomically.
    ///
    /// - Parameter path: Output file; `nil` writes `reports/<run_id>.html`. Missing folders are created.
    /// - Returns: The path written.
    @discardableResult
    public static func write(checkpointDirectory: String, runID: String?, to path: String? = nil)
        throws(PipelineError) -> String
    {
        let store = CheckpointStore(root: checkpointDirectory)
        let report = SegmentReport(data: try ReportData.load(store: store, runID: runID))
        let output = path ?? defaultPath(runID: report.data.run.runID)
        let folder = (output as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw PipelineError(.io, "cannot create folder \(folder) for the report", underlying: error)
            }
        }
        try AtomicFile.write(Data(report.html().utf8), to: output)
        return output
    }

    /// The default output path of a run's report: `reports/<run_id>.html`.
    public static func defaultPath(runID: String) -> String { "reports/\(runID).html" }
}
