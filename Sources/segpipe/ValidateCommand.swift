import ArgumentParser
import Segmentation

/// `segpipe validate`: checks a pipeline file without running it.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a pipeline file; errors name the line and column.")

    @Option(help: "Pipeline definition (YAML).")
    var pipeline: String

    func run() throws {
        let configuration = try PipelineConfiguration.load(path: pipeline)
        print("\(pipeline): pipeline \"\(configuration.name)\" is valid")
    }
}
