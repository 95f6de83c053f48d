public import Foundation

/// Renders the outcome of a run as Prometheus text exposition for node_exporter's textfile collector.
///
/// The file describes the last run of one pipeline: when it ended, whether it succeeded, its exit code and
/// duration, per-stage durations and row counts, and the customers per segment. Every sample carries a
/// `pipeline` label, so several pipelines can write their own `.prom` files into the same collector folder.
/// Point `--metrics-file` at e.g. `/var/lib/node_exporter/textfile/segpipe-<pipeline>.prom`.
///
/// `segpipe_last_success_timestamp_seconds` survives failed runs: `update(path:…)` carries it over from the
/// previous file, so an alert on a stale last success keeps working after a failure.
public enum PrometheusMetrics {
    /// Prefix of every metric name.
    static let prefix = "segpipe_"

    /// Builds the text exposition of one run's outcome.
    ///
    /// - Parameters:
    ///   - summary: What the run did, stage by stage.
    ///   - status: A short word for the outcome (`succeeded`, `failed`, `data_quality`, …), exported as a label
    ///     of `segpipe_last_run_info`.
    ///   - exitCode: The process exit code; `0` counts as success.
    ///   - durationSeconds: Wall-clock time of the whole invocation.
    ///   - segmentSizes: Customers per segment id, when the segment stage produced segments.
    ///   - endedAt: When the run ended (default: now).
    ///   - lastSuccessAt: When an earlier run last succeeded; used only when this run did not succeed.
    /// - Returns: Text in the Prometheus exposition format, ending with a newline.
    public static func text(
        summary: RunSummary, status: String, exitCode: Int32, durationSeconds: Double, segmentSizes: [Int: Int]?,
        endedAt: Date = Date(), lastSuccessAt: Date? = nil
    ) -> String {
        let pipeline = Label("pipeline", summary.pipeline)
        let isSuccess = exitCode == 0
        var families: [Family] = []

        let identity = [
            pipeline, Label("run_id", summary.runID), Label("as_of", summary.asOf), Label("status", status),
        ]
        families.append(
            Family("last_run_info", "Identity of the last run; the value is always 1.", [Sample(identity, "1")]))
        families.append(
            Family(
                "last_run_timestamp_seconds", "Unix time at which the last run ended.",
                [Sample([pipeline], format(endedAt.timeIntervalSince1970))]))
        families.append(
            Family(
                "last_run_success", "1 if the last run exited with code 0, else 0.",
                [Sample([pipeline], isSuccess ? "1" : "0")]))
        families.append(
            Family(
                "last_run_exit_code",
                "Exit code of the last run: 0 ok, 1 failed, 2 usage or configuration, 3 data quality, 75 locked.",
                [Sample([pipeline], String(exitCode))]))
        families.append(
            Family(
                "last_run_duration_seconds", "Wall-clock duration of the last run.",
                [Sample([pipeline], format(durationSeconds))]))
        if let success = isSuccess ? endedAt : lastSuccessAt {
            families.append(
                Family(
                    "last_success_timestamp_seconds", "Unix time at which a run of the pipeline last succeeded.",
                    [Sample([pipeline], format(success.timeIntervalSince1970))]))
        }

        let durations = summary.stages.compactMap { report in
            report.durationSeconds.map { Sample([pipeline, Label("stage", report.stage.rawValue)], format($0)) }
        }
        families.append(
            Family("stage_duration_seconds", "Seconds each stage took in the last run (stages that ran).", durations))

        let rows = summary.stages.flatMap { report in
            report.rows.keys.sorted().map { table in
                Sample(
                    [pipeline, Label("stage", report.stage.rawValue), Label("table", table)],
                    String(report.rows[table] ?? 0))
            }
        }
        families.append(Family("stage_rows", "Rows per output table of each stage in the last run.", rows))

        let segments = (segmentSizes ?? [:]).keys.sorted().map { segment in
            Sample([pipeline, Label("segment", String(segment))], String(segmentSizes?[segment] ?? 0))
        }
        families.append(Family("segment_customers", "Customers per segment in the last run.", segments))

        return families.filter { !$0.samples.isEmpty }.map(\.text).joined()
    }

    /// Writes `text` to `path` atomically (temporary file, fsync, rename), so a collector never reads half a file.
    ///
    /// The temporary file is a hidden `.<name>.tmp-<pid>` next to `path`, which the textfile collector ignores.
    public static func write(_ text: String, to path: String) throws(PipelineError) {
        try AtomicFile.write(Data(text.utf8), to: path)
    }

    /// Writes the metrics of a finished run to `path`, carrying over the last success time from the file there.
    ///
    /// This is `text(summary:…)` followed by ``write(_:to:)``, with `lastSuccessAt` read by
    /// ``lastSuccess(inFileAt:pipeline:)``.
    public static func update(
        path: String, summary: RunSummary, status: String, exitCode: Int32, durationSeconds: Double,
        segmentSizes: [Int: Int]?, endedAt: Date = Date()
    ) throws(PipelineError) {
        let previous = lastSuccess(inFileAt: path, pipeline: summary.pipeline)
        let text = text(
            summary: summary, status: status, exitCode: exitCode, durationSeconds: durationSeconds,
            segmentSizes: segmentSizes, endedAt: endedAt, lastSuccessAt: previous)
        try write(text, to: path)
    }

    /// Reads `segpipe_last_success_timestamp_seconds` of `pipeline` from an earlier metrics file, if there is one.
    ///
    /// A missing or unreadable file, or one without that sample, gives nil.
    public static func lastSuccess(inFileAt path: String, pipeline: String) -> Date? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let head = "\(prefix)last_success_timestamp_seconds{\(Label("pipeline", pipeline).text)} "
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(head) {
            guard let seconds = Double(line.dropFirst(head.count)), seconds.isFinite else { return nil }
            return Date(timeIntervalSince1970: seconds)
        }
        return nil
    }
}

// MARK: - Exposition format

extension PrometheusMetrics {
    /// One label pair, its value escaped per the text format.
    struct Label {
        let name: String
        let value: String

        init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }

        var text: String { "\(name)=\"\(PrometheusMetrics.escapeLabelValue(value))\"" }
    }

    /// One sample line without timestamp (the textfile collector rejects timestamps).
    struct Sample {
        let labels: [Label]
        let value: String

        init(_ labels: [Label], _ value: String) {
            self.labels = labels
            self.value = value
        }
    }

    /// A gauge metric family: HELP and TYPE lines followed by its samples.
    struct Family {
        let name: String
        let help: String
        let samples: [Sample]

        init(_ name: String, _ help: String, _ samples: [Sample]) {
            self.name = PrometheusMetrics.prefix + name
            self.help = help
            self.samples = samples
        }

        var text: String {
            var text = "# HELP \(name) \(PrometheusMetrics.escapeHelp(help))\n# TYPE \(name) gauge\n"
            for sample in samples {
                text += name
                if !sample.labels.isEmpty {
                    text += "{" + sample.labels.map(\.text).joined(separator: ",") + "}"
                }
                text += " \(sample.value)\n"
            }
            return text
        }
    }

    /// Escapes a label value: backslash, double quote and line feed.
    static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// Escapes HELP text: backslash and line feed.
    static func escapeHelp(_ help: String) -> String {
        help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Formats a sample value the way Prometheus parses it (`NaN`, `+Inf`, `-Inf`, otherwise shortest decimal).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
