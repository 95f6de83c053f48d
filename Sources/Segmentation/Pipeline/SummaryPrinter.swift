import Foundation

/// Renders a ``RunSummary`` for people (a table) and machines (JSON).
public enum SummaryPrinter {
    /// A readable table of the stages.
    public static func text(_ summary: RunSummary) -> String {
        var lines = ["run \(summary.runID)  pipeline \(summary.pipeline)  as_of \(summary.asOf)"]
        lines.append(pad("stage", 10) + pad("action", 12) + pad("status", 11) + pad("time", 9) + "rows / reason")
        for report in summary.stages {
            let time = report.durationSeconds.map { String(format: "%.2fs", $0) } ?? "-"
            let rows = report.rows.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            lines.append(
                pad(report.stage.rawValue, 10) + pad(report.action, 12) + pad(report.status ?? "-", 11) + pad(time, 9)
                    + (rows.isEmpty ? report.reason : rows))
        }
        var totals: [String] = []
        if let duration = summary.durationSeconds { totals.append(String(format: "total %.2fs", duration)) }
        if let peak = summary.peakMemoryBytes {
            totals.append(String(format: "peak memory %.1f MiB", Double(peak) / 1_048_576))
        }
        if !totals.isEmpty { lines.append(totals.joined(separator: "  ")) }
        lines.append("checkpoints: \(summary.checkpointDirectory)")
        return lines.joined(separator: "\n")
    }

    /// Writes the summary as pretty JSON, atomically.
    public static func writeJSON(_ summary: RunSummary, to path: String) throws(PipelineError) {
        var data = CanonicalJSON.data(summary, pretty: true)
        data.append(0x0A)
        do {
            try AtomicFile.write(data, to: path)
        } catch {
            throw PipelineError(.io, "cannot write run summary \(path)", underlying: error)
        }
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
