import Columnar
import TestSupport
import Testing

@testable import Segmentation

@Suite struct FeaturesStageTests {
    /// Features of four hand-made customers.
    ///
    /// Customer A: two completed orders (2026-01-01: 100, 2026-01-21: 50) and one return; signed up 2025-01-31.
    /// Customer B: one completed order on 2025-12-01 of 20.
    /// Customer C: no orders, only a cancelled one; no signup date.
    /// Customer D: only a returned order.
    private func features() throws -> Table {
        let d = StageFixtures.date
        let inputs = StageFixtures.inputs(
            customers: try StageFixtures.customers(
                ids: ["A", "B", "C", "D"], emails: [nil, nil, nil, nil],
                signups: [d(2025, 1, 31), d(2025, 12, 1), nil, d(2026, 1, 1)]),
            orders: try StageFixtures.orders([
                ("o1", "A", d(2026, 1, 1), 100, "completed"), ("o2", "A", d(2026, 1, 21), 50, "completed"),
                ("o3", "A", d(2026, 1, 22), 30, "returned"), ("o4", "B", d(2025, 12, 1), 20, "completed"),
                ("o5", "C", d(2026, 1, 2), 70, "cancelled"), ("o6", "D", d(2026, 1, 3), 10, "returned"),
            ]),
            events: try StageFixtures.events([
                ("A", "sent"), ("A", "sent"), ("A", "sent"), ("A", "sent"), ("A", "open"), ("A", "click"),
                ("B", "sent"), ("B", "unsubscribe"),
            ]), of: .dedupe)
        let output = try FeaturesStage(context: StageFixtures.context()).run(inputs)
        return try #require(output.table("customer_features"))
    }

    @Test func predictCLVOffLeavesThePredictedColumnsNullAndEverythingElseEqual() throws {
        let folder = try TemporaryDirectory(prefix: "predict-clv")
        let context = try StageFixtures.generatedContext(customers: 800, seed: 3, in: folder.path)
        let inputs = try StageFixtures.dedupedInputs(context)

        let fitted = try FeaturesStage(context: context).run(inputs)
        var off = context
        off.configuration.features.predictCLV = false
        let skipped = try FeaturesStage(context: off).run(inputs)
        let withModels = try #require(fitted.table("customer_features"))
        let without = try #require(skipped.table("customer_features"))
        #expect(withModels.columns.map(\.name) == without.columns.map(\.name))
        let predicted = ["predicted_clv_12m", "expected_purchases_12m", "probability_alive"]
        for column in withModels.columns {
            if predicted.contains(column.name) {
                #expect(try withModels.validity(column.name)?.contains(true) ?? true, "\(column.name) fitted")
                #expect(try without.validity(column.name)?.allSatisfy { !$0 } == true, "\(column.name) null")
            } else {
                #expect(without[column.name] == column, "\(column.name) differs")
            }
        }
        guard case .object(let model) = fitted.metrics["clv_model"] else {
            Issue.record("no clv_model metrics")
            return
        }
        #expect(model["bg_nbd"] != nil)
        #expect(skipped.metrics["clv_model"] == .object(["not_fitted": .string("features.predict_clv is false")]))
    }

    /// The runner hands the stage only ``FeaturesStage/customerColumns`` of the merged customers (not their names,
    /// emails and phones): with only those, every feature comes out as with the whole table.
    @Test func theCustomerColumnsReadAreAllTheStageNeeds() throws {
        let folder = try TemporaryDirectory(prefix: "customer-columns")
        let context = try StageFixtures.generatedContext(customers: 600, seed: 5, in: folder.path)
        var inputs = try StageFixtures.dedupedInputs(context)
        let whole = try #require(try FeaturesStage(context: context).run(inputs).table("customer_features"))

        let customers = try inputs.table("customers", of: .dedupe)
        #expect(customers.columns.contains { $0.name == "email" }, "the fixture has columns the stage does not read")
        let read = try Table(columns: customers.columns.filter { FeaturesStage.customerColumns.contains($0.name) })
        #expect(read.columns.count == FeaturesStage.customerColumns.count)
        inputs.set(read, named: "customers", of: .dedupe)
        let narrow = try #require(try FeaturesStage(context: context).run(inputs).table("customer_features"))
        #expect(narrow == whole)
    }

    /// With `dedupe.write_orders_and_events: false` dedupe writes no orders or events but the merged row of each
    /// clean customer, and the features stage, reading clean's orders and events through it, computes the same
    /// features, those of the customers merged into others included.
    @Test func featuresFromCleansOrdersAndEventsEqualThoseFromDedupes() throws {
        let folder = try TemporaryDirectory(prefix: "clean-facts")
        let context = try StageFixtures.generatedContext(customers: 600, seed: 7, in: folder.path)
        let inputs = try StageFixtures.dedupedInputs(context)
        let merged = try inputs.table("customers", of: .dedupe).rowCount
        let clean = try inputs.table("customers", of: .clean).rowCount
        #expect(merged < clean, "the fixture merges customers")
        let whole = try #require(try FeaturesStage(context: context).run(inputs).table("customer_features"))

        var lean = context
        lean.configuration.dedupe.writeOrdersAndEvents = false
        var leanInputs = try StageFixtures.extractedInputs(lean)
        leanInputs.set(try CleanStage(context: lean).run(leanInputs), of: .clean)
        let deduped = try DedupeStage(context: lean).run(leanInputs)
        #expect(deduped.table("orders") == nil && deduped.table("email_events") == nil)
        let mergedRows = try #require(deduped.table("merged_rows"))
        #expect(mergedRows.rowCount == clean)
        leanInputs.set(deduped, of: .dedupe)
        let fromClean = try #require(try FeaturesStage(context: lean).run(leanInputs).table("customer_features"))
        #expect(fromClean == whole)

        // Merged rows that do not fit the clean customers (one missing) are refused, not guessed at.
        let short = try mergedRows.int64s("merged_row").dropLast()
        let broken = try Table(columns: [Column(name: "merged_row", values: .int64(Array(short)))])
        leanInputs.set(broken, named: "merged_rows", of: .dedupe)
        #expect {
            try FeaturesStage(context: lean).run(leanInputs)
        } throws: { error in
            (error as? PipelineError)?.code == .checkpoint && "\(error)".contains("merged_rows does not match")
        }
    }

    /// Merged customers whose ids repeat are refused (an order's id would name two rows), also now that the ids
    /// are hashed beside the aggregation rather than before it. Ids in byte order are taken as distinct without
    /// hashing them; a repeat next to itself is still refused.
    @Test(arguments: [["A", "B", "A"], ["A", "B", "B"]])
    func mergedCustomersWithARepeatedIDAreRefused(ids: [String]) throws {
        let d = StageFixtures.date
        let inputs = StageFixtures.inputs(
            customers: try StageFixtures.customers(
                ids: ids, emails: [nil, nil, nil], signups: [d(2025, 1, 31), nil, nil]),
            orders: try StageFixtures.orders([("o1", "B", d(2026, 1, 1), 100, "completed")]),
            events: try StageFixtures.events([("A", "sent")]), of: .dedupe)
        #expect {
            try FeaturesStage(context: StageFixtures.context()).run(inputs)
        } throws: { error in
            (error as? PipelineError)?.code == .checkpoint
                && "\(error)".contains("repeats a customer_id")
        }
    }

    @Test func recencyFrequencyMonetaryMatchHandComputedValues() throws {
        let table = try features()
        let recency = try table.int64s("recency_days")
        let recencyValid = try table.validity("recency_days")
        #expect(recency[0] == 10)  // 2026-01-21 → 2026-01-31
        #expect(recency[1] == 61)  // 2025-12-01 → 2026-01-31
        #expect(recencyValid?[2] == false)
        #expect(recencyValid?[3] == false)
        #expect(try table.int64s("frequency") == [2, 1, 0, 0])
        #expect(try table.doubles("monetary_total") == [150, 20, 0, 0])
        #expect(try table.doubles("avg_order_value")[0] == 75)
        #expect(try table.validity("avg_order_value")?[2] == false)
    }

    @Test func tenureReturnRateAndEmailEngagement() throws {
        let table = try features()
        let tenure = try table.int64s("tenure_days")
        #expect(tenure[0] == 365)
        #expect(tenure[1] == 61)
        #expect(try table.validity("tenure_days")?[2] == false)  // no signup and no completed order
        let returnRate = try table.doubles("return_rate")
        #expect(abs(returnRate[0] - 1.0 / 3.0) < 1e-12)
        #expect(returnRate[1] == 0)
        #expect(try table.validity("return_rate")?[2] == false)
        #expect(returnRate[3] == 1)
        #expect(try table.doubles("email_open_rate")[0] == 0.25)
        #expect(try table.doubles("email_click_rate")[0] == 0.25)
        #expect(try table.doubles("email_open_rate")[1] == 0)
        #expect(try table.validity("email_open_rate")?[2] == false)
        let unsubscribed = try table.requireColumn("unsubscribed")
        #expect(unsubscribed.values == .bool([false, true, false, false]))
        #expect(try table.dates("first_order_date")[0] == StageFixtures.date(2026, 1, 1))
        #expect(try table.dates("last_order_date")[0] == StageFixtures.date(2026, 1, 21))
    }

    @Test func purchaseRhythmCategoriesEngagementAndAge() throws {
        let d = StageFixtures.date
        var customers = try StageFixtures.customers(
            ids: ["A", "B"], emails: [nil, nil], signups: [d(2025, 1, 31), d(2025, 12, 1)])
        customers = try Table(
            columns: customers.columns.map {
                $0.name == "birth_date" ? StageFixtures.dates("birth_date", [d(1980, 2, 1), d(2000, 1, 31)]) : $0
            })
        // A buys on three days (two orders on 2026-01-01): 2025-01-10 (older than a year), 2026-01-01, 2026-01-21.
        let orders = try StageFixtures.orders([
            ("o1", "A", d(2025, 1, 10), 40, "completed"), ("o2", "A", d(2026, 1, 1), 100, "completed"),
            ("o3", "A", d(2026, 1, 1), 10, "completed"), ("o4", "A", d(2026, 1, 21), 50, "completed"),
            ("o5", "B", d(2025, 12, 1), 20, "completed"),
        ])
        let noon: Int64 = 12 * 3_600_000_000
        var events = try StageFixtures.events([("A", "sent"), ("A", "open")])
        events = try Table(
            columns: events.columns.map {
                $0.name == "event_time"
                    ? Column(
                        name: "event_time", values: .timestamp([0, Int64(d(2026, 1, 11)) * 86_400_000_000 + noon]))
                    : $0
            })
        let inputs = StageFixtures.inputs(customers: customers, orders: orders, events: events, of: .dedupe)
        let output = try FeaturesStage(context: StageFixtures.context()).run(inputs)
        let table = try #require(output.table("customer_features"))
        #expect(try table.int64s("purchase_days") == [3, 1])
        // (2026-01-21 − 2025-01-10) = 376 days over 2 gaps.
        #expect(try table.doubles("mean_days_between_purchases")[0] == 188)
        #expect(try table.validity("mean_days_between_purchases")?[1] == false)
        #expect(try table.int64s("category_count") == [1, 1])
        #expect(try table.strings("top_category")[0] == "shoes")
        #expect(try table.int64s("days_since_last_open")[0] == 20)
        #expect(try table.validity("days_since_last_open")?[1] == false)
        // Born 1980-02-01: 45 on 2026-01-31 (46 only the next day). Born 2000-01-31: 26 on the day.
        #expect(try table.int64s("age") == [45, 26])
        #expect(try table.strings("age_band")[0] == "45-54")
        #expect(try table.strings("age_band")[1] == "25-34")
        #expect(try table.strings("postal_area")[0] == "50")
        // Revenue in the 365 days before as_of excludes the 2025-01-10 order.
        #expect(try table.doubles("clv_historical_12m") == [160, 20])
        #expect(table["predicted_clv_12m"] != nil)
    }
}
