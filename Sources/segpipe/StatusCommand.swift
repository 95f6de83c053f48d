import ArgumentParser
import Segmentation

/// `segpipe status`: lists runs and the state of each stage.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "List runs and each stage's state, rows and time.")

    @Option(help: "Root folder of the checkpoints.")
    var checkpointDir: String = "checkpoints"

    @Option(help: "Show only this run.")
    var runID: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let report = try RunStatus.collect(checkpointDirectory: checkpointDir, runID: runID)
        print(json ? RunStatus.json(report) : RunStatus.text(report))
    }
}
