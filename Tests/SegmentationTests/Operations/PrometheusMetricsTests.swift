import Foundation
import Testing

@testable import Segmentation

@Suite struct PrometheusMetricsTests {
    /// 2025-11-24T02:20:00Z.
    static let endedAt = Date(timeIntervalSince1970: 1_763_950_800)
    /// 2025-11-23T02:19:30.25Z.
    static let previousSuccess = Date(timeIntervalSince1970: 1_763_864_370.25)

    static func summary(pipeline: String = "demo") -> RunSummary {
        RunSummary(
            runID: "20251124T021500Z", pipeline: pipeline, asOf: "2025-11-24", checkpointDirectory: "checkpoints",
            stages: [
                .init(
                    stage: .extract, action: "skipped", reason: "checkpoint valid", status: "completed",
                    durationSeconds: nil, rows: ["customers": 20_000, "orders": 150_000]),
                .init(
                    stage: .segment, action: "ran", reason: "features changed", status: "completed",
                    durationSeconds: 1.5, rows: ["segments": 5]),
                .init(
                    stage: .load, action: "ran", reason: "segment changed", status: "completed",
                    durationSeconds: 12, rows: [:]),
            ])
    }

    @Test func successfulRunRendersExactExposition() {
        let text = PrometheusMetrics.text(
            summary: Self.summary(), status: "succeeded", exitCode: 0, durationSeconds: 14.75,
            segmentSizes: [2: 300, 1: 700], endedAt: Self.endedAt)
        let expected = """
            # HELP segpipe_last_run_info Identity of the last run; the value is always 1.
            # TYPE segpipe_last_run_info gauge
            segpipe_last_run_info{pipeline="demo",run_id="20251124T021500Z",as_of="2025-11-24",status="succeeded"} 1
            # HELP segpipe_last_run_timestamp_seconds Unix time at which the last run ended.
            # TYPE segpipe_last_run_timestamp_seconds gauge
            segpipe_last_run_timestamp_seconds{pipeline="demo"} 1763950800
            # HELP segpipe_last_run_success 1 if the last run exited with code 0, else 0.
            # TYPE segpipe_last_run_success gauge
            segpipe_last_run_success{pipeline="demo"} 1
            # HELP segpipe_last_run_exit_code Exit code of the last run: 0 ok, 1 failed, 2 usage or configuration, \
            3 data quality, 75 locked.
            # TYPE segpipe_last_run_exit_code gauge
            segpipe_last_run_exit_code{pipeline="demo"} 0
            # HELP segpipe_last_run_duration_seconds Wall-clock duration of the last run.
            # TYPE segpipe_last_run_duration_seconds gauge
            segpipe_last_run_duration_seconds{pipeline="demo"} 14.75
            # HELP segpipe_last_success_timestamp_seconds Unix time at which a run of the pipeline last succeeded.
            # TYPE segpipe_last_success_timestamp_seconds gauge
            segpipe_last_success_timestamp_seconds{pipeline="demo"} 1763950800
            # HELP segpipe_stage_duration_seconds Seconds each stage took in the last run (stages that ran).
            # TYPE segpipe_stage_duration_seconds gauge
            segpipe_stage_duration_seconds{pipeline="demo",stage="segment"} 1.5
            segpipe_stage_duration_seconds{pipeline="demo",stage="load"} 12
            # HELP segpipe_stage_rows Rows per output table of each stage in the last run.
            # TYPE segpipe_stage_rows gauge
            segpipe_stage_rows{pipeline="demo",stage="extract",table="customers"} 20000
            segpipe_stage_rows{pipeline="demo",stage="extract",table="orders"} 150000
            segpipe_stage_rows{pipeline="demo",stage="segment",table="segments"} 5
            # HELP segpipe_segment_customers Customers per segment in the last run.
            # TYPE segpipe_segment_customers gauge
            segpipe_segment_customers{pipeline="demo",segment="1"} 700
            segpipe_segment_customers{pipeline="demo",segment="2"} 300

            """
        #expect(text == expected)
    }

    @Test func failedRunKeepsEarlierSuccessAndOmitsSegments() {
        let text = PrometheusMetrics.text(
            summary: Self.summary(), status: "failed", exitCode: 1, durationSeconds: 3, segmentSizes: nil,
            endedAt: Self.endedAt, lastSuccessAt: Self.previousSuccess)
        #expect(text.contains("segpipe_last_run_success{pipeline=\"demo\"} 0\n"))
        #expect(text.contains("segpipe_last_run_exit_code{pipeline=\"demo\"} 1\n"))
        #expect(text.contains("status=\"failed\"} 1\n"))
        #expect(text.contains("segpipe_last_success_timestamp_seconds{pipeline=\"demo\"} 1763864370.25\n"))
        #expect(!text.contains("segpipe_segment_customers"))
    }

    @Test func failedRunWithoutEarlierSuccessHasNoSuccessTimestamp() {
        let text = PrometheusMetrics.text(
            summary: Self.summary(), status: "data_quality", exitCode: 3, durationSeconds: 3, segmentSizes: [:],
            endedAt: Self.endedAt)
        #expect(!text.contains("segpipe_last_success_timestamp_seconds"))
        #expect(!text.contains("segpipe_segment_customers"))
        #expect(text.contains("segpipe_last_run_exit_code{pipeline=\"demo\"} 3\n"))
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("quote\"d", "quote\\\"d"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines", "two\\nlines"),
        ("ünïcødé", "ünïcødé"),
    ])
    func labelValuesAreEscaped(raw: String, escaped: String) {
        #expect(PrometheusMetrics.escapeLabelValue(raw) == escaped)
        let text = PrometheusMetrics.text(
            summary: Self.summary(pipeline: raw), status: "succeeded", exitCode: 0, durationSeconds: 1,
            segmentSizes: nil, endedAt: Self.endedAt)
        #expect(text.contains("segpipe_last_run_success{pipeline=\"\(escaped)\"} 1\n"))
    }

    @Test(arguments: [
        (Double.nan, "NaN"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (0.0, "0"), (42.0, "42"),
        (0.125, "0.125"), (-3.0, "-3"), (1e20, "1e+20"),
    ])
    func sampleValuesUsePrometheusSpelling(value: Double, spelled: String) {
        #expect(PrometheusMetrics.format(value) == spelled)
    }

    @Test func updateWritesAtomicallyAndCarriesLastSuccessOver() throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("segpipe-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("segpipe-demo.prom").path

        #expect(PrometheusMetrics.lastSuccess(inFileAt: path, pipeline: "demo") == nil)
        try PrometheusMetrics.update(
            path: path, summary: Self.summary(), status: "succeeded", exitCode: 0, durationSeconds: 10,
            segmentSizes: [1: 5], endedAt: Self.previousSuccess)
        #expect(PrometheusMetrics.lastSuccess(inFileAt: path, pipeline: "demo") == Self.previousSuccess)
        #expect(PrometheusMetrics.lastSuccess(inFileAt: path, pipeline: "other") == nil)

        try PrometheusMetrics.update(
            path: path, summary: Self.summary(), status: "failed", exitCode: 1, durationSeconds: 2,
            segmentSizes: nil, endedAt: Self.endedAt)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.contains("segpipe_last_run_success{pipeline=\"demo\"} 0\n"))
        #expect(written.contains("segpipe_last_run_timestamp_seconds{pipeline=\"demo\"} 1763950800\n"))
        #expect(written.contains("segpipe_last_success_timestamp_seconds{pipeline=\"demo\"} 1763864370.25\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["segpipe-demo.prom"])
    }

    @Test func writeIntoMissingFolderFailsWithPipelineError() {
        let path = "/nonexistent-\(UUID().uuidString)/segpipe.prom"
        #expect(throws: PipelineError.self) { try PrometheusMetrics.write("x 1\n", to: path) }
    }

    // MARK: - promtool

    /// `promtool` from Debian's `prometheus` package, if installed.
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    @Test(.enabled(if: promtool != nil || isCI, "promtool not installed (apt-get install prometheus)"))
    func promtoolAcceptsTheExposition() throws {
        guard let promtool = Self.promtool else {
            Issue.record("promtool is missing under CI=true: scripts/setup-system should install prometheus")
            return
        }
        let success = PrometheusMetrics.text(
            summary: Self.summary(pipeline: "we\"ird\\name\nx"), status: "succeeded", exitCode: 0,
            durationSeconds: 14.75, segmentSizes: [1: 700, 2: 300], endedAt: Self.endedAt)
        let failure = PrometheusMetrics.text(
            summary: Self.summary(), status: "failed", exitCode: 1, durationSeconds: .nan, segmentSizes: nil,
            endedAt: Self.endedAt, lastSuccessAt: Self.previousSuccess)
        for text in [success, failure] {
            let (status, output) = try Self.run(promtool, ["check", "metrics"], input: text)
            #expect(status == 0, "promtool check metrics: \(output)")
            #expect(output.isEmpty, "promtool lint findings: \(output)")
        }
    }

    /// Runs `executable` with `input` on standard input; returns its exit status and combined output.
    static func run(_ executable: String, _ arguments: [String], input: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
