import Columnar
import Foundation
import Logging
import Postgres

/// Measures the load stage's binary COPY on a `customer_segments`-shaped table, for `segpipe bench load`.
///
/// The rows are built in memory with deterministic values (``table(rows:)``), so every run and the CSV file
/// written for psql's `\copy` (``writeCSV(rows:to:)``) hold the same data. The copy encodes every row with
/// `BinaryCopyEncoder` exactly as `LoadStage` does (`BinaryTableCopy`: raw views of the columns, nulls from the
/// validity array, each row written at once into space reserved for it, 1 MiB chunks) and streams it with
/// `PostgresConnection.copyIn`. Connecting, truncating and the COPY are
/// timed together; building the rows is not.
///
/// ```swift
/// let measurement = try LoadBenchmark.run(rows: 1_000_000, databaseURL: url, schema: "segpipe_bench")
/// print(measurement.rowsPerSecond)
/// ```
public enum LoadBenchmark {
    /// The columns of the benchmark table, in COPY order, with their PostgreSQL types.
    public static let columns: [(name: String, type: String)] = [
        ("customer_id", "text"), ("segment_id", "bigint"), ("segment_label", "text"),
        ("distance", "double precision"), ("rfm_score", "text"), ("r_score", "bigint"), ("f_score", "bigint"),
        ("m_score", "bigint"), ("rfm_segment", "text"),
    ]

    /// The outcome of one benchmark copy.
    public struct Measurement: Sendable, Hashable, Encodable {
        /// Rows copied, as the server reported them.
        public let rows: Int
        /// Wall-clock seconds of connect + COPY (building the rows excluded).
        public let seconds: Double
        /// Seconds of the COPY statement alone.
        public let copySeconds: Double
        /// Rows per second over ``seconds``.
        public let rowsPerSecond: Double
        /// Bytes of binary COPY data sent.
        public let bytes: Int
        /// Whether the target table is UNLOGGED.
        public let isUnlogged: Bool
        /// The process's resident-set high-water mark, in bytes.
        public let peakResidentBytes: Int64

        enum CodingKeys: String, CodingKey {
            case rows, seconds, bytes
            case copySeconds = "copy_seconds"
            case rowsPerSecond = "rows_per_second"
            case isUnlogged = "unlogged"
            case peakResidentBytes = "peak_rss_bytes"
        }
    }

    /// The `customer_segments`-shaped rows: 5 k-means segments, RFM scores, every tenth customer without orders.
    ///
    /// Customers without orders have a null `rfm_score`, `r_score`, `f_score` and `m_score`, as in the segment
    /// stage's output. The values depend on the row number only.
    /// - Complexity: O(rows).
    static func table(rows: Int) throws -> Table {
        let labels = ["Champions", "Loyal Regulars", "Big Spenders", "At Risk", "Dormant"]
        let rfmSegments = ["Champions", "Loyal", "Potential Loyalist", "At Risk", "Hibernating", "New"]
        var ids = StringColumn(capacity: rows, byteCapacity: rows * 8)
        var segmentIDs = [Int64](repeating: 0, count: rows)
        var segmentLabels = StringColumn(capacity: rows, byteCapacity: rows * 14)
        var distances = [Double](repeating: 0, count: rows)
        var scores = StringColumn(capacity: rows, byteCapacity: rows * 3)
        var r = [Int64](repeating: 0, count: rows)
        var f = [Int64](repeating: 0, count: rows)
        var m = [Int64](repeating: 0, count: rows)
        var hasOrders = [Bool](repeating: true, count: rows)
        var rfmSegment = StringColumn(capacity: rows, byteCapacity: rows * 10)
        for row in 0..<rows {
            ids.append("C" + String(repeating: "0", count: max(0, 7 - String(row).count)) + String(row))
            let segment = (row &* 7 &+ row / 13) % labels.count
            segmentIDs[row] = Int64(segment)
            segmentLabels.append(labels[segment])
            distances[row] = Double((row &* 2_654_435_761) % 1_000_003) / 250_000.0
            if row % 10 == 9 {
                hasOrders[row] = false
                scores.appendEmpty()
                rfmSegment.append("No Orders")
                continue
            }
            r[row] = Int64(row % 5 + 1)
            f[row] = Int64(row / 5 % 5 + 1)
            m[row] = Int64(row / 25 % 5 + 1)
            scores.append("\(r[row])\(f[row])\(m[row])")
            rfmSegment.append(rfmSegments[(row / 3) % rfmSegments.count])
        }
        return try Table(columns: [
            Column(name: "customer_id", values: .utf8(ids)),
            Column(name: "segment_id", values: .int64(segmentIDs)),
            Column(name: "segment_label", values: .utf8(segmentLabels)),
            Column(name: "distance", values: .float64(distances)),
            Column(name: "rfm_score", values: .utf8(scores), validity: hasOrders),
            Column(name: "r_score", values: .int64(r), validity: hasOrders),
            Column(name: "f_score", values: .int64(f), validity: hasOrders),
            Column(name: "m_score", values: .int64(m), validity: hasOrders),
            Column(name: "rfm_segment", values: .utf8(rfmSegment)),
        ])
    }

    /// Writes the rows of ``table(rows:)`` as CSV (header, nulls as empty unquoted fields) for psql's `\copy`.
    public static func writeCSV(rows: Int, to path: String) throws {
        let table = try table(rows: rows)
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw PipelineError(.io, "bench load: cannot create \(path)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 21)
        buffer.append(contentsOf: Array((columns.map(\.name).joined(separator: ",") + "\n").utf8))
        for row in 0..<table.rowCount {
            for (index, column) in table.columns.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                guard column.isValid(row) else { continue }
                switch column.values {
                case .utf8(let strings): strings.withUTF8(at: row) { buffer.append(contentsOf: $0) }
                case .dictionary(let coded): coded.withUTF8(at: row) { buffer.append(contentsOf: $0) }
                case .int64(let values): buffer.append(contentsOf: Array(String(values[row]).utf8))
                case .float64(let values): buffer.append(contentsOf: Array(values[row].description.utf8))
                default: throw PipelineError(.internal, "bench load: unexpected column type")
                }
            }
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 20 {
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: buffer)
    }

    /// Creates `schema.table` if needed (UNLOGGED when asked), empties it and copies the benchmark rows into it.
    ///
    /// - Parameters:
    ///   - rows: how many rows to build and copy.
    ///   - databaseURL: libpq URL or conninfo.
    ///   - schema: scratch schema holding the table (created when missing).
    ///   - table: table name.
    ///   - isUnlogged: create the table UNLOGGED (only when it does not exist yet; an existing table is reported
    ///     as it is).
    /// - Throws: `PostgresError` from the server, ``PipelineError`` when the rows cannot be built.
    public static func run(
        rows: Int, databaseURL: String?, schema: String, table name: String = "customer_segments",
        isUnlogged: Bool = false
    ) throws -> Measurement {
        let rowsTable = try table(rows: rows)
        let logger = Logger(label: "segpipe.bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let qualified = PostgresIdentifier.quote(schema) + "." + PostgresIdentifier.quote(name)
        let clock = ContinuousClock()
        let started = clock.now
        let connection = try PostgresConnection(url: databaseURL, logger: logger)
        _ = try connection.execute("SET client_min_messages = warning")
        _ = try connection.execute("CREATE SCHEMA IF NOT EXISTS \(PostgresIdentifier.quote(schema))")
        let definition = columns.map { "\(PostgresIdentifier.quote($0.name)) \($0.type)" }.joined(separator: ", ")
        _ = try connection.execute(
            "CREATE \(isUnlogged ? "UNLOGGED " : "")TABLE IF NOT EXISTS \(qualified) (\(definition))")
        _ = try connection.execute("TRUNCATE \(qualified)")
        let unlogged = try connection.execute(
            "SELECT relpersistence = 'u' FROM pg_class WHERE oid = $1::regclass", [.text(qualified)])
        let isTableUnlogged = unlogged.string(row: 0, column: 0) == "t"
        let copyStarted = clock.now
        var bytes = 0
        let copied = try copy(rowsTable, into: qualified, connection: connection, bytesSent: &bytes)
        let copySeconds = Self.seconds(clock.now - copyStarted)
        let seconds = Self.seconds(clock.now - started)
        return Measurement(
            rows: copied, seconds: seconds, copySeconds: copySeconds,
            rowsPerSecond: seconds > 0 ? Double(copied) / seconds : 0, bytes: bytes, isUnlogged: isTableUnlogged,
            peakResidentBytes: ExtractBenchmark.peakResidentBytes())
    }

    /// Binary COPY of every column of `table` through the load stage's write path (without its `run_id` column).
    static func copy(_ table: Table, into qualified: String, connection: PostgresConnection, bytesSent: inout Int)
        throws -> Int
    {
        let result = try BinaryTableCopy.copy(
            table.columns, rowCount: table.rowCount, into: qualified, columnNames: table.columns.map(\.name),
            connection: connection)
        bytesSent = result.bytes
        return result.rows
    }

    /// A duration in seconds.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
