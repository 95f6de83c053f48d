import Columnar
import Foundation
public import Logging

/// Measures deduplication quality end to end: generated data with planted duplicates goes through the real
/// extract, clean and dedupe stages, and the merged groups are scored against the generator's truth.
public enum DedupeQualityRun {
    /// What one evaluation measured.
    public struct Report: Sendable, Codable {
        public var customers: Int
        public var sourceRecords: Int
        public var mergedCustomers: Int
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var truePairs: Int
        public var predictedPairs: Int
        public var truthPairs: Int
        public var comparisons: Int64
        public var largestBlock: Int64
        public var pairsFound: Int64
        public var blocksSkipped: Int64
        public var mergesRefused: Int64
        public var dedupeSeconds: Double
    }

    /// Generates `customers` customers with `seed` into `directory` (reused when already there), runs the stages
    /// with `configuration`'s clean and dedupe settings and scores the result.
    public static func run(
        customers: Int, seed: UInt64, directory: String, configuration: PipelineConfiguration, logger: Logger
    ) throws(PipelineError) -> Report {
        let asOf = CalendarDate.days(year: 2026, month: 1, day: 31)
        if !FileManager.default.fileExists(atPath: "\(directory)/duplicates_truth.csv") {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                _ = try SyntheticDataGenerator(customers: customers, seed: seed, asOf: asOf).write(to: directory)
            } catch let error as PipelineError {
                throw error
            } catch {
                throw PipelineError(.io, "cannot generate data in \(directory)", underlying: error)
            }
        }
        var pipeline = configuration
        pipeline.sources = .init(
            customers: .init(path: "customers.csv"), orders: .init(path: "orders.csv"),
            emailEvents: .init(path: "email_events.csv", required: false))
        pipeline.clean.maxRejectRate = 1
        for (code, rate) in ["EUR": 1.0, "CHF": 1.04, "GBP": 1.17] where pipeline.clean.currencyRates[code] == nil {
            pipeline.clean.currencyRates[code] = rate
        }
        let context = StageContext(
            configuration: pipeline, runID: "dedupe-eval", asOf: asOf, dataDirectory: directory, databaseURL: nil,
            logger: logger)
        var inputs = StageInputs()
        let extracted = try ExtractStage(context: context).run()
        for (name, table) in extracted.tables { inputs.set(table, named: name, of: .extract) }
        let cleaned = try CleanStage(context: context).run(inputs)
        for (name, table) in cleaned.tables { inputs.set(table, named: name, of: .clean) }
        let clock = ContinuousClock()
        let started = clock.now
        let deduped = try DedupeStage(context: context).run(inputs)
        let elapsed = clock.now - started

        guard let map = deduped.table("customer_id_map") else {
            throw PipelineError(.internal, "dedupe produced no customer_id_map")
        }
        let source = try map.strings("source_customer_id")
        let merged = try map.strings("customer_id")
        var predicted: [String: [String]] = [:]
        for row in 0..<map.rowCount { predicted[merged[row], default: []].append(source[row]) }
        let truth = try readTruth("\(directory)/duplicates_truth.csv")
        let scores = DedupeEvaluation.pairwise(
            predictedGroups: predicted.values.filter { $0.count > 1 }, truthGroups: truth)
        func metric(_ name: String) -> Int64 { deduped.metrics[name]?.intValue ?? 0 }
        return Report(
            customers: customers, sourceRecords: map.rowCount,
            mergedCustomers: deduped.table("customers")?.rowCount ?? 0, precision: scores.precision,
            recall: scores.recall, f1: scores.f1, truePairs: scores.truePairs, predictedPairs: scores.predictedPairs,
            truthPairs: scores.truthPairs, comparisons: metric("comparisons"), largestBlock: metric("largest_block"),
            pairsFound: metric("pairs_found"), blocksSkipped: metric("blocks_skipped"),
            mergesRefused: metric("merges_refused"),
            dedupeSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// The planted groups of `duplicates_truth.csv` (`source_customer_id,group_id`).
    static func readTruth(_ path: String) throws(PipelineError) -> [[String]] {
        do {
            let reader = try CSVReader(path: path)
            var groups: [String: [String]] = [:]
            try reader.forEachRecord { record in
                guard record.fieldCount >= 2 else { return }
                groups[record.string(at: 1), default: []].append(record.string(at: 0))
            }
            return Array(groups.values)
        } catch {
            throw PipelineError(.input, "cannot read the duplicate truth file \(path)", underlying: error)
        }
    }
}
