import ArgumentParser
import Foundation
import Segmentation

/// `segpipe bench`: measures pipeline building blocks on real-sized files (used by `scripts/bench-extract`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure pipeline building blocks (wall time, throughput, peak memory).",
        subcommands: [ExtractSubcommand.self]
    )

    /// `segpipe bench extract`: reads an orders CSV into a typed table with the extract stage's reader.
    struct ExtractSubcommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "extract",
            abstract: "Read an orders CSV into typed columns and report time, rows/s, MB/s and peak RSS.",
            discussion: """
                The file must have the canonical orders header (order_id, customer_id, order_date, amount, \
                currency, category, quantity, status), comma-separated UTF-8. Rows the extract stage would \
                reject are counted, not kept. Only the read is timed; peak RSS is the whole process's.
                """
        )

        @Option(help: "The orders CSV file to read.")
        var file: String

        @Option(help: "How many times to read the file (the median time is reported).")
        var repeats: Int = 1

        @Flag(help: "Print the measurement as one JSON object.")
        var json = false

        func validate() throws {
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        }

        func run() throws {
            let measurement: ExtractBenchmark.Measurement
            do {
                measurement = try ExtractBenchmark.run(file: file, repeats: repeats)
            } catch let error as PipelineError {
                throw error
            } catch {
                throw PipelineError(.input, "bench extract: cannot read \(file)", underlying: error)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                let data = try encoder.encode(measurement)
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let runs = measurement.seconds.map { String(format: "%.3f", $0) }.joined(separator: ", ")
            print(
                String(
                    format: "segpipe extract %@: %d rows, %d rejects, %.1f MB in %.3f s median (%@); "
                        + "%.2f M rows/s, %.1f MB/s, peak RSS %.1f MB",
                    measurement.file, measurement.rows, measurement.rejects, Double(measurement.bytes) / 1e6,
                    measurement.medianSeconds, runs, measurement.rowsPerSecond / 1e6, measurement.megabytesPerSecond,
                    Double(measurement.peakResidentBytes) / 1e6))
        }
    }
}
