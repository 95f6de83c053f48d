import Foundation

/// Writes realistic, deterministic, dirty canonical CSV files for demos, tests and benchmarks.
///
/// The files (`customers.csv`, `orders.csv`, `email_events.csv` with the canonical headers, and
/// `duplicates_truth.csv` with `source_customer_id,group_id`) model a German-centred web shop over the three
/// years before `asOf`:
/// - customers of seven archetypes (champions, loyal, big spenders, new, at risk, hibernating, one-timers)
///   with about ten orders and twenty email events each on average;
/// - European names with umlauts and particles, German, Austrian, Swiss, Dutch and French addresses,
///   countries and phone numbers written in varied ways, e-mails partly upper-case, padded or invalid;
/// - amounts mostly `123.45` but partly German `"1.234,56"`, dates partly `dd.MM.yyyy`, a few CHF/GBP,
///   returned and cancelled orders, quoted fields holding commas and quotes;
/// - about ``badRowRate`` bad rows per file, a few orphan orders, and about ``duplicateRate`` of customers
///   with a planted duplicate record (same e-mail in other case or padding, a typo in the name, or a new
///   e-mail) whose orders are split between the two records, listed in `duplicates_truth.csv`.
///
/// The same parameters always give byte-identical files.
/// - Complexity: O(customers); memory O(duplicates), independent of the number of orders.
public struct SyntheticDataGenerator: Sendable {
    /// The number of distinct customers (planted duplicate records come on top).
    public var customers: Int
    /// The seed; the same seed gives the same bytes.
    public var seed: UInt64
    /// The reference date (days since 1970-01-01): all activity lies in the three years before it.
    public var asOf: Int32
    /// The share of customers given a duplicate record.
    public var duplicateRate: Double = 0.03
    /// The share of rows per file planted as bad.
    public var badRowRate: Double = 0.002
    /// The share of orders attributed to customers that do not exist.
    public var orphanRate: Double = 0.0005

    /// Names of the files written, in order.
    public static let fileNames = ["customers.csv", "orders.csv", "email_events.csv", "duplicates_truth.csv"]

    /// Creates a generator for `customers` customers, reproducible by `seed`, with activity up to `asOf`.
    public init(customers: Int, seed: UInt64, asOf: Int32) {
        self.customers = max(customers, 0)
        self.seed = seed
        self.asOf = asOf
    }

    /// Writes the four files into `directory` (created if missing) and returns what was written.
    /// - Throws: ``PipelineError`` with code `io` when a file cannot be created or written.
    public func write(to directory: String) throws -> GenerationSummary {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw PipelineError(.io, "cannot create the output directory \(directory)", underlying: error)
        }
        let run = try GenerationRun(generator: self, directory: directory)
        return try run.generate()
    }
}
