import ArgumentParser
import Foundation
import Segmentation

/// `segpipe dedupe-eval`: deduplication precision and recall on generated data with planted duplicates.
struct DedupeEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedupe-eval",
        abstract: "Measure deduplication precision and recall against generated data with planted duplicates.",
        discussion: """
            Generates customers with planted duplicate records (or reuses --data-dir), runs the real extract, clean
            and dedupe stages with the pipeline's settings (or the defaults), and scores the merged groups pairwise
            against the generator's duplicates_truth.csv.
            """
    )

    @Option(help: "Number of distinct customers to generate.")
    var customers: Int = 100_000

    @Option(help: "Random seed of the generated data.")
    var seed: UInt64 = 7

    @Option(help: "Folder for the generated data (reused when it already holds duplicates_truth.csv).")
    var dataDir: String?

    @Option(help: "Pipeline whose clean and dedupe settings to use (default: the built-in defaults).")
    var pipeline: String?

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let logger = logging.bootstrap()
        var configuration = PipelineConfiguration(
            name: "dedupe-eval", sources: .init(customers: .init(path: "customers.csv"), orders: .init(path: "orders.csv")))
        if let pipeline { configuration = try PipelineConfiguration.load(path: pipeline) }
        let directory = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent(
            "segpipe-dedupe-eval-\(customers)-\(seed)").path
        let report = try DedupeQualityRun.run(
            customers: customers, seed: seed, directory: directory, configuration: configuration, logger: logger)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print(
            """
            customers \(report.customers), source records \(report.sourceRecords), merged to \(report.mergedCustomers)
            precision \(String(format: "%.4f", report.precision)) (\(report.truePairs) of \(report.predictedPairs) pairs)
            recall    \(String(format: "%.4f", report.recall)) (\(report.truePairs) of \(report.truthPairs) planted pairs)
            f1        \(String(format: "%.4f", report.f1))
            comparisons \(report.comparisons), largest block \(report.largestBlock), pairs found \(report.pairsFound), \
            blocks skipped \(report.blocksSkipped), merges refused \(report.mergesRefused)
            dedupe stage \(String(format: "%.2f", report.dedupeSeconds)) s
            """)
    }
}
