import ArgumentParser
import Segmentation

/// `segpipe report`: writes a run's segment report as one self-contained HTML page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a run's segment report: one self-contained HTML page with inline SVG charts.")

    @Option(help: "Root folder of the checkpoints.")
    var checkpointDir: String = "checkpoints"

    @Option(help: "Report on this run (default: the latest run with a completed segment stage).")
    var runID: String?

    @Option(help: ArgumentHelp("Output file (default: reports/<run_id>.html).", valueName: "file"))
    var out: String?

    func run() throws {
        let path = try SegmentReport.write(checkpointDirectory: checkpointDir, runID: runID, to: out)
        print(path)
    }
}
