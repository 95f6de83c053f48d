import ArgumentParser
import Foundation
import Segmentation

/// `segpipe generate`: writes deterministic, realistically dirty sample data in the canonical layout.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write synthetic customers, orders and email events (with planted duplicates and dirt).",
        discussion: """
            Writes customers.csv, orders.csv, email_events.csv and duplicates_truth.csv (the planted duplicate
            groups) into the output folder. The same --seed and --as-of always give the same bytes.
            """
    )

    @Option(help: "Number of distinct customers (planted duplicate records come on top).")
    var customers: Int

    @Option(help: "Output folder (created if missing).")
    var out: String

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(help: "Date the history ends at, yyyy-MM-dd (default: today).")
    var asOf: String?

    func validate() throws {
        guard customers > 0 else { throw ValidationError("--customers must be at least 1") }
        if let asOf, CalendarDate.parseISO(asOf) == nil {
            throw ValidationError("--as-of \"\(asOf)\" is not a date (expected yyyy-MM-dd)")
        }
    }

    func run() throws {
        let end = asOf.flatMap(CalendarDate.parseISO) ?? CalendarDate.today()
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw PipelineError(.io, "cannot create output folder \(out)", underlying: error)
        }
        let summary = try SyntheticDataGenerator(customers: customers, seed: seed, asOf: end).write(to: out)
        print(
            """
            wrote \(out): customers.csv \(summary.customerRows) rows, orders.csv \(summary.orderRows) rows, \
            email_events.csv \(summary.emailEventRows) rows; planted \(summary.duplicateGroups) duplicate groups \
            (duplicates_truth.csv), \(summary.badRows) bad rows and \(summary.orphanOrderRows) orphan orders
            """)
    }
}
