import ArgumentParser
import Foundation
import Segmentation

/// `segpipe db`: manage the result schema.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the result schema in PostgreSQL.", subcommands: [Migrate.self])

    /// `segpipe db migrate`: create or upgrade the result schema without running the pipeline.
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the result schema (versioned migrations) and grant read access.")

        @Option(help: "Pipeline definition whose load section names the schema and read role.")
        var pipeline: String

        @Option(help: "PostgreSQL URL or conninfo (default: DATABASE_URL, then libpq's PG* variables).")
        var databaseURL: String?

        @OptionGroup var logging: LoggingOptions

        func run() throws {
            let logger = logging.bootstrap()
            let configuration = try PipelineConfiguration.load(path: pipeline)
            let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            let schema = ResultSchema(name: configuration.load.schema, readRole: configuration.load.readRole)
            let (from, to) = try schema.migrate(databaseURL: url, logger: logger)
            print(
                from == to
                    ? "schema \(configuration.load.schema) is at version \(to), nothing to do"
                    : "schema \(configuration.load.schema) migrated from version \(from) to \(to)")
        }
    }
}
