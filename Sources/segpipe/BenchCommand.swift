import ArgumentParser
import Foundation
import Segmentation

/// `segpipe bench`: measures pipeline building blocks on real-sized files (used by `scripts/bench-*`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure pipeline building blocks (wall time, throughput, peak memory).",
        subcommands: [ExtractSubcommand.self, LoadSubcommand.self, FeaturesSubcommand.self]
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

                The typed rows are held as the parts they were read in (record batches, as pyarrow's read_csv \
                returns them); with --contiguous they are then joined into one table of contiguous columns, the \
                layout the pipeline's in-memory tables have, and the time includes the join.

                With --arrow-out, each repeat does the extract stage's whole job for the file instead: the typed \
                rows are streamed part by part into that Arrow file, as into a checkpoint, and the time includes \
                writing it.
                """
        )

        @Option(help: "The orders CSV file to read.")
        var file: String

        @Option(help: "How many times to read the file (the median time is reported).")
        var repeats: Int = 1

        @Option(
            help: "Parts the file is read in at once (default: as the extract stage, 2 on two cores; 1 = one core).")
        var threads: Int?

        @Option(help: "Stream the typed rows into this Arrow file, as the extract stage writes its checkpoint.")
        var arrowOut: String?

        @Flag(help: "Join the parts into one table of contiguous columns (timed with the read).")
        var contiguous = false

        @Flag(help: "Print the measurement as one JSON object.")
        var json = false

        func validate() throws {
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
            if contiguous, arrowOut != nil { throw ValidationError("--contiguous and --arrow-out exclude each other") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        }

        func run() throws {
            let measurement: ExtractBenchmark.Measurement
            do {
                measurement = try ExtractBenchmark.run(
                    file: file, repeats: repeats, threads: threads, contiguous: contiguous, arrowOutput: arrowOut)
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
    /// `segpipe bench load`: copies `customer_segments`-shaped rows into PostgreSQL with the load stage's COPY.
    struct LoadSubcommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load",
            abstract: "Binary-COPY deterministic customer_segments rows into PostgreSQL and report rows/s.",
            discussion: """
                Builds the rows in memory, creates SCHEMA.TABLE when missing, empties it and copies the rows \
                with the load stage's encoding (binary COPY, 1 MiB chunks). Connect + truncate + COPY are \
                timed. With --write-csv the same rows are written as CSV for psql's \\copy instead.
                """
        )

        @Option(help: "How many rows to copy.")
        var rows: Int = 1_000_000

        @Option(help: "PostgreSQL URL or conninfo (default: DATABASE_URL, then libpq's PG* variables).")
        var databaseURL: String?

        @Option(help: "Scratch schema of the benchmark table (created when missing).")
        var schema: String = "segpipe_bench"

        @Option(help: "Benchmark table name.")
        var table: String = "customer_segments"

        @Flag(help: "Create the table UNLOGGED (only when it does not exist yet).")
        var unlogged = false

        @Option(help: "Write the rows as CSV to this file and exit without copying.")
        var writeCSV: String?

        @Flag(help: "Print the measurement as one JSON object.")
        var json = false

        func validate() throws {
            guard rows >= 1 else { throw ValidationError("--rows must be at least 1") }
        }

        func run() throws {
            if let path = writeCSV {
                try LoadBenchmark.writeCSV(rows: rows, to: path)
                return
            }
            let url = databaseURL ?? ProcessInfo.processInfo.environment["DATABASE_URL"]
            let measurement: LoadBenchmark.Measurement
            do {
                measurement = try LoadBenchmark.run(
                    rows: rows, databaseURL: url, schema: schema, table: table, isUnlogged: unlogged)
            } catch let error as PipelineError {
                throw error
            } catch {
                throw PipelineError(.database, "bench load: copying into \(schema).\(table) failed", underlying: error)
            }
            if json {
                try printJSON(measurement)
                return
            }
            print(
                String(
                    format: "segpipe load: %d rows in %.3f s (COPY %.3f s), %.2f M rows/s, %.1f MB sent, %@, "
                        + "peak RSS %.1f MB",
                    measurement.rows, measurement.seconds, measurement.copySeconds, measurement.rowsPerSecond / 1e6,
                    Double(measurement.bytes) / 1e6, measurement.isUnlogged ? "unlogged" : "logged",
                    Double(measurement.peakResidentBytes) / 1e6))
        }
    }

    /// `segpipe bench features`: runs the features stage on a run's dedupe checkpoint.
    struct FeaturesSubcommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "features",
            abstract: "Run the features stage on a dedupe checkpoint and report time, orders/s and peak RSS.",
            discussion: """
                --checkpoint is <checkpoint_dir>/<run_id> of a run whose dedupe stage completed. The three input \
                tables are read once (timed separately); only FeaturesStage.run is timed, once as configured and \
                once with features.predict_clv false. The CLV part (BG/NBD and Gamma-Gamma) is also timed on \
                its own.
                """
        )

        @Option(help: "The run folder (<checkpoint_dir>/<run_id>) whose dedupe checkpoint is read.")
        var checkpoint: String

        @Option(help: "How many times to run the stage (the median time is reported).")
        var repeats: Int = 1

        @Flag(help: "Print the measurement as one JSON object.")
        var json = false

        func validate() throws {
            guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        }

        func run() throws {
            let measurement = try FeaturesBenchmark.run(runDirectory: checkpoint, repeats: repeats)
            if json {
                try printJSON(measurement)
                return
            }
            print(
                String(
                    format: "segpipe features: %d customers, %d orders, %d events; read %.3f s; stage %.3f s median "
                        + "(CLV models alone %.3f s; stage without them %.3f s); %.2f M orders/s, peak RSS %.1f MB",
                    measurement.customers, measurement.orders, measurement.emailEvents, measurement.readSeconds,
                    measurement.medianSeconds, measurement.medianCLVSeconds,
                    measurement.medianSecondsWithoutCLV, measurement.ordersPerSecond / 1e6,
                    Double(measurement.peakResidentBytes) / 1e6))
        }
    }
}

/// Prints `value` as one line of JSON with sorted keys.
private func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
