import Columnar
import Foundation
import Logging

/// Measures the features stage on a run's dedupe checkpoint, for `segpipe bench features`.
///
/// Reads `customers`, `orders` and `email_events` of `<run>/dedupe/` (the stage's real inputs: the columns the
/// runner reads for it, with the checksums it verifies) once, then, `repeats` times, runs `FeaturesStage.run` as
/// configured and again with `features.predict_clv: false`, timing only the stage. The CLV part of the stage (order summary, BG/NBD and
/// Gamma-Gamma fits, predictions) is also timed alone by calling the stage's own `lifetimeValue` on the same
/// completed orders. (Inside the stage the CLV models run while the other columns are built, so the stage
/// without them is measured, not computed as a difference.)
///
/// ```swift
/// let measurement = try FeaturesBenchmark.run(runDirectory: "bench-data/ck/20261123T100823Z", repeats: 3)
/// print(measurement.medianSeconds, measurement.medianCLVSeconds)
/// ```
public enum FeaturesBenchmark {
    /// The outcome of a benchmark run.
    public struct Measurement: Sendable, Hashable, Encodable {
        /// Merged customers (output rows).
        public let customers: Int
        /// Orders read by the stage.
        public let orders: Int
        /// Email events read by the stage.
        public let emailEvents: Int
        /// Seconds to read and checksum the three checkpoint files.
        public let readSeconds: Double
        /// Wall-clock seconds of each `FeaturesStage.run`.
        public let seconds: [Double]
        /// The median of ``seconds``.
        public let medianSeconds: Double
        /// Wall-clock seconds of each run of the CLV part alone.
        public let clvSeconds: [Double]
        /// The median of ``clvSeconds``.
        public let medianCLVSeconds: Double
        /// Wall-clock seconds of each `FeaturesStage.run` with `features.predict_clv: false`.
        public let secondsWithoutCLV: [Double]
        /// The median of ``secondsWithoutCLV``.
        public let medianSecondsWithoutCLV: Double
        /// Sum of `predicted_clv_12m` (a check against the reference tools).
        public let predictedCLVTotal: Double
        /// The fitted BG/NBD and Gamma-Gamma parameters, as in the stage's manifest.
        public let clvModel: JSONValue
        /// Sums of some other features and the customers per top category (checks against the references).
        public let featureTotals: [String: Int64]
        public let topCategoryCounts: [String: Int64]
        /// Orders per second of the whole stage at the median time.
        public let ordersPerSecond: Double
        /// Customers with at least one completed order (a check against the reference tools).
        public let customersWithOrders: Int64
        /// Sum of completed order amounts (a check against the reference tools).
        public let revenueTotal: Double
        /// Resident-set high-water mark after reading the inputs, in bytes.
        public let residentBytesAfterRead: Int64
        /// Resident-set high-water mark at the end, in bytes.
        public let peakResidentBytes: Int64

        enum CodingKeys: String, CodingKey {
            case customers, orders, seconds
            case emailEvents = "email_events"
            case readSeconds = "read_seconds"
            case medianSeconds = "median_seconds"
            case clvSeconds = "clv_seconds"
            case medianCLVSeconds = "median_clv_seconds"
            case secondsWithoutCLV = "seconds_without_clv"
            case medianSecondsWithoutCLV = "median_seconds_without_clv"
            case predictedCLVTotal = "predicted_clv_total"
            case clvModel = "clv_model"
            case featureTotals = "feature_totals"
            case topCategoryCounts = "top_category_counts"
            case ordersPerSecond = "orders_per_second"
            case customersWithOrders = "customers_with_orders"
            case revenueTotal = "revenue_total"
            case residentBytesAfterRead = "rss_after_read_bytes"
            case peakResidentBytes = "peak_rss_bytes"
        }
    }

    /// Runs the features stage `repeats` times on the dedupe checkpoint of `runDirectory`.
    ///
    /// - Parameters:
    ///   - runDirectory: a run folder of a checkpoint root (`<checkpoint_dir>/<run_id>`) whose dedupe stage
    ///     completed; its `_run.json` gives the `as_of` date.
    ///   - repeats: how many times to run the stage (at least 1).
    /// - Throws: ``PipelineError`` when the run or its dedupe checkpoint is missing or corrupt.
    /// - Complexity: O(repeats · (customers + orders + events)) plus the CLV fits.
    public static func run(runDirectory: String, repeats: Int) throws -> Measurement {
        guard repeats >= 1 else {
            throw PipelineError(.configuration, "bench features: --repeats must be at least 1 (got \(repeats))")
        }
        let url = URL(fileURLWithPath: runDirectory).standardizedFileURL
        let store = CheckpointStore(root: url.deletingLastPathComponent().path)
        let runID = url.lastPathComponent
        let record = try store.runRecord(runID)
        guard let asOf = CalendarDate.parseISO(record.asOf) else {
            throw PipelineError(.checkpoint, "bench features: run \(runID) has an invalid as_of \(record.asOf)")
        }
        guard let manifest = try store.manifest(runID, .dedupe), manifest.status == .completed else {
            throw PipelineError(
                .checkpoint, "bench features: run \(runID) has no completed dedupe checkpoint; run the pipeline first")
        }
        let clock = ContinuousClock()
        let readStarted = clock.now
        var inputs = StageInputs()
        for name in ["customers", "orders", "email_events"] {
            let columns = Planner.columnsRead(by: .features, of: name, from: .dedupe)
            inputs.set(try store.readTable(name, of: manifest, columns: columns), named: name, of: .dedupe)
        }
        let readSeconds = LoadBenchmark.seconds(clock.now - readStarted)
        let residentAfterRead = ExtractBenchmark.peakResidentBytes()

        let logger = Logger(label: "segpipe.bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let configuration = PipelineConfiguration(
            name: "bench",
            sources: .init(customers: .init(path: "customers.csv"), orders: .init(path: "orders.csv")))
        let context = StageContext(
            configuration: configuration, runID: runID, asOf: asOf, dataDirectory: ".", databaseURL: nil,
            logger: logger)
        let stage = FeaturesStage(context: context)
        var withoutCLV = context
        withoutCLV.configuration.features.predictCLV = false
        let completed = try completedOrders(inputs)
        var seconds: [Double] = []
        var clvSeconds: [Double] = []
        var secondsWithoutCLV: [Double] = []
        var predictedCLVTotal = 0.0
        var clvModel = JSONValue.null
        var featureTotals: [String: Int64] = [:]
        var topCategoryCounts: [String: Int64] = [:]
        var customersWithOrders: Int64 = 0
        var revenueTotal = 0.0
        for _ in 0..<repeats {
            let started = clock.now
            let output = try stage.run(inputs)
            seconds.append(LoadBenchmark.seconds(clock.now - started))
            guard output.table("customer_features") != nil else {
                throw PipelineError(.internal, "bench features: the stage produced no customer_features")
            }
            if case .int(let value) = output.metrics["customers_with_orders"] { customersWithOrders = value }
            if case .double(let value) = output.metrics["revenue_total"] { revenueTotal = value }
            clvModel = output.metrics["clv_model"] ?? .null
            if let features = output.table("customer_features") {
                let predicted = try features.doubles("predicted_clv_12m")
                let valid = try features.validity("predicted_clv_12m")
                predictedCLVTotal = predicted.indices.reduce(0) { $0 + ((valid?[$1] ?? true) ? predicted[$1] : 0) }
                (featureTotals, topCategoryCounts) = try checkTotals(features)
            }
            let withoutStarted = clock.now
            _ = try FeaturesStage(context: withoutCLV).run(inputs)
            secondsWithoutCLV.append(LoadBenchmark.seconds(clock.now - withoutStarted))
            let clvStarted = clock.now
            let summary = try CLVSummary(
                customerCount: completed.customerCount, customerIndex: completed.customer, orderDay: completed.day,
                amount: completed.amount, observationDay: context.asOf)
            _ = stage.lifetimeValue(summary)
            clvSeconds.append(LoadBenchmark.seconds(clock.now - clvStarted))
        }
        let median = ExtractBenchmark.median(seconds)
        let orders = try inputs.table("orders", of: .dedupe).rowCount
        return Measurement(
            customers: try inputs.table("customers", of: .dedupe).rowCount, orders: orders,
            emailEvents: try inputs.table("email_events", of: .dedupe).rowCount, readSeconds: readSeconds,
            seconds: seconds, medianSeconds: median, clvSeconds: clvSeconds,
            medianCLVSeconds: ExtractBenchmark.median(clvSeconds), secondsWithoutCLV: secondsWithoutCLV,
            medianSecondsWithoutCLV: ExtractBenchmark.median(secondsWithoutCLV), predictedCLVTotal: predictedCLVTotal,
            clvModel: clvModel, featureTotals: featureTotals, topCategoryCounts: topCategoryCounts,
            ordersPerSecond: median > 0 ? Double(orders) / median : 0, customersWithOrders: customersWithOrders,
            revenueTotal: revenueTotal, residentBytesAfterRead: residentAfterRead,
            peakResidentBytes: ExtractBenchmark.peakResidentBytes())
    }

    /// Sums of purchase days, category counts, ages and tenures (nulls left out) and the customers per top
    /// category ("None" for none), for comparison with the DuckDB query of every feature.
    private static func checkTotals(_ features: Table) throws -> ([String: Int64], [String: Int64]) {
        var totals: [String: Int64] = [:]
        for (column, key) in [
            ("purchase_days", "purchase_days_total"), ("category_count", "category_count_total"), ("age", "age_total"),
            ("tenure_days", "tenure_total"),
        ] {
            let values = try features.int64s(column)
            let valid = try features.validity(column)
            totals[key] = values.indices.reduce(0) { $0 + ((valid?[$1] ?? true) ? values[$1] : 0) }
        }
        var counts: [String: Int64] = [:]
        let top = try features.strings("top_category")
        let topValid = try features.validity("top_category")
        for row in 0..<features.rowCount {
            counts[(topValid?[row] ?? true) ? top[row] : "None", default: 0] += 1
        }
        return (totals, counts)
    }

    /// The completed orders as the features stage hands them to its CLV model (customer row, day, amount).
    private static func completedOrders(_ inputs: StageInputs) throws
        -> (customerCount: Int, customer: [Int32], day: [Int32], amount: [Double])
    {
        let customers = try inputs.table("customers", of: .dedupe)
        let ids = try customers.strings("customer_id")
        var indexOf: [String: Int32] = [:]
        indexOf.reserveCapacity(customers.rowCount)
        for row in 0..<customers.rowCount { indexOf[ids[row]] = Int32(row) }
        let orders = try inputs.table("orders", of: .dedupe)
        let orderCustomers = try orders.strings("customer_id")
        let dates = try orders.dates("order_date")
        let amounts = try orders.doubles("amount")
        let statuses = try orders.strings("status")
        var customer: [Int32] = []
        var day: [Int32] = []
        var amount: [Double] = []
        for row in 0..<orders.rowCount where statuses[row] == "completed" {
            guard let index = indexOf[orderCustomers[row]] else { continue }
            customer.append(index)
            day.append(dates[row])
            amount.append(amounts[row])
        }
        return (customers.rowCount, customer, day, amount)
    }
}
