import ArgumentParser

/// The `segpipe` command and its subcommands.
struct Segpipe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segpipe",
        abstract: "Customer-segmentation ETL: extract, clean, dedupe, features, segment, load.",
        version: SegpipeVersionString.value,
        subcommands: [
            RunCommand.self, StatusCommand.self, ValidateCommand.self, GenerateCommand.self, DatabaseCommand.self,
            ReportCommand.self, BenchCommand.self, DedupeEvalCommand.self,
        ]
    )
}
