import Columnar
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Measures the extract stage's CSV-to-typed-table path on an orders file, for `segpipe bench extract`.
///
/// Each repeat opens the file with the default dialect (comma, UTF-8, header) and reads it with the same code
/// the pipeline's extract stage uses into typed columns of the canonical `orders` schema, held as the parts they
/// were read in (record batches) or joined into one `Table` of contiguous columns; unusable rows become rejects
/// exactly as in a pipeline run. Only the read is timed (wall clock), not process start.
///
/// ```swift
/// let measurement = try ExtractBenchmark.run(file: "bench-data/1000000/orders.csv", repeats: 3)
/// print(measurement.medianSeconds, measurement.peakResidentBytes)
/// ```
public enum ExtractBenchmark {
    /// The outcome of a benchmark run: sizes, per-repeat wall times and the process's peak memory.
    public struct Measurement: Sendable, Hashable, Encodable {
        /// The file that was read.
        public let file: String
        /// Bytes read from the file per repeat.
        public let bytes: Int64
        /// Rows in the typed table (rejected rows excluded).
        public let rows: Int
        /// Rows rejected (wrong field count, unparseable value, missing required value, invalid UTF-8).
        public let rejects: Int
        /// Wall-clock seconds of each repeat, in order.
        public let seconds: [Double]
        /// The median of ``seconds``.
        public let medianSeconds: Double
        /// Typed rows per second at the median time.
        public let rowsPerSecond: Double
        /// Input megabytes (10⁶ bytes) per second at the median time.
        public let megabytesPerSecond: Double
        /// The process's resident-set high-water mark before the first read, in bytes (runtime baseline).
        public let residentBytesBeforeRead: Int64
        /// The process's resident-set high-water mark after all repeats, in bytes.
        public let peakResidentBytes: Int64

        enum CodingKeys: String, CodingKey {
            case file, bytes, rows, rejects, seconds
            case medianSeconds = "median_seconds"
            case rowsPerSecond = "rows_per_second"
            case megabytesPerSecond = "megabytes_per_second"
            case residentBytesBeforeRead = "rss_before_read_bytes"
            case peakResidentBytes = "peak_rss_bytes"
        }
    }

    /// Reads `file` `repeats` times into typed orders columns and reports times, sizes and peak memory.
    ///
    /// Each result is released before the next repeat, so the peak memory is that of one read. With `arrowOutput`,
    /// each repeat instead does the extract stage's whole job for the file: the typed rows are streamed, part by
    /// part, into an Arrow file at that path, and only a few parts are in memory at a time.
    /// - Parameters:
    ///   - file: an orders CSV file with the canonical header (comma-separated UTF-8).
    ///   - repeats: how many times to read it (at least 1).
    ///   - threads: parts the file is read in at once (default: as the extract stage, two on two cores).
    ///   - contiguous: join the parts into one table of contiguous columns (timed with the read).
    /// - Throws: ``PipelineError`` with code `configuration` when `repeats` is below 1, or a missing required
    ///   column; ``CSVError`` when the file cannot be opened or is structurally broken.
    /// - Complexity: O(repeats · file size) time; memory O(table size + chunk size).
    public static func run(
        file: String, repeats: Int, threads: Int? = nil, contiguous: Bool = false, arrowOutput: String? = nil
    ) throws -> Measurement {
        let threads = threads ?? ExtractStage.parallelism
        guard repeats >= 1 else {
            throw PipelineError(.configuration, "bench extract: --repeats must be at least 1 (got \(repeats))")
        }
        let source = PipelineConfiguration.Source(path: file)
        let baseline = peakResidentBytes()
        let clock = ContinuousClock()
        var seconds: [Double] = []
        var rows = 0
        var rejectCount = 0
        var bytes: Int64 = 0
        for _ in 0..<repeats {
            var rejects: [Reject] = []
            let start = clock.now
            let reader = try CSVReader(path: file, dialect: CSVDialect())
            if let arrowOutput {
                let sink = SourceSink(CanonicalSchema.orders.name, schema: CanonicalSchema.orders, path: arrowOutput)
                try ExtractStage.read(
                    reader, source: source, file: file, schema: CanonicalSchema.orders, parallelism: threads
                ) { part in
                    rejects.append(contentsOf: part.rejects)
                    try sink.append(part.rows)
                }
                _ = try sink.finish()
                rows = sink.rowCount
            } else {
                let batches = try ExtractStage.readBatches(
                    reader, source: source, file: file, schema: CanonicalSchema.orders, parallelism: threads)
                rejects = batches.rejects
                rows = contiguous ? try batches.table().rowCount : batches.rowCount
            }
            let elapsed = clock.now - start
            seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            rejectCount = rejects.count
            bytes = reader.stoppedAt == nil ? reader.bytesRead : ExtractStage.fileSize(file)
        }
        let median = Self.median(seconds)
        return Measurement(
            file: file, bytes: bytes, rows: rows, rejects: rejectCount, seconds: seconds, medianSeconds: median,
            rowsPerSecond: median > 0 ? Double(rows) / median : 0,
            megabytesPerSecond: median > 0 ? Double(bytes) / 1e6 / median : 0,
            residentBytesBeforeRead: baseline, peakResidentBytes: peakResidentBytes())
    }

    /// The resident-set high-water mark of this process in bytes (`getrusage`, which reports KiB on Linux).
    static func peakResidentBytes() -> Int64 {
        var usage = rusage()
        #if canImport(Glibc)
            guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
            return Int64(usage.ru_maxrss) * 1024
        #else
            guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
            return Int64(usage.ru_maxrss)
        #endif
    }

    /// The median of a non-empty list (the mean of the two middle values for an even count).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
