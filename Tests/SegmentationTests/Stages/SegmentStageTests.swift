import Columnar
import Foundation
import Testing

@testable import Segmentation

@Suite struct SegmentStageTests {
    /// Customers from four well-separated groups in (recency, frequency, monetary), deterministic.
    private func features(count: Int = 400, shift: Int = 0) throws -> StageInputs {
        let groups: [(recency: Int64, frequency: Int64, monetary: Double)] = [
            (5, 40, 8000), (300, 2, 60), (20, 10, 900), (700, 1, 20),
        ]
        var ids: [String] = []
        var recency: [Int64] = []
        var frequency: [Int64] = []
        var monetary: [Double] = []
        for index in 0..<count {
            let group = groups[(index + shift) % groups.count]
            let jitter = Double(index % 7) / 100
            ids.append(String(format: "C%05d", index))
            recency.append(group.recency + Int64(index % 3))
            frequency.append(group.frequency)
            monetary.append(group.monetary * (1 + jitter))
        }
        var inputs = StageInputs()
        inputs.set(
            try Table(columns: [
                StageFixtures.text("customer_id", ids), Column(name: "recency_days", values: .int64(recency)),
                Column(name: "frequency", values: .int64(frequency)),
                Column(name: "monetary_total", values: .float64(monetary)),
            ]), named: "customer_features", of: .features)
        return inputs
    }

    private func segmentIDs(_ output: StageOutput) throws -> [Int64] {
        try #require(output.table("customer_segments")).int64s("segment_id")
    }

    @Test func autoKFindsTheFourGroupsAndRecordsEveryCandidate() throws {
        var context = StageFixtures.context()
        context.configuration.segment.k = nil
        context.configuration.segment.kMax = 7
        let output = try SegmentStage(context: context).run(try features())
        #expect(output.metrics["k"] == .int(4))
        let selection = try #require(output.table("k_selection"))
        #expect(try selection.int64s("k") == [2, 3, 4, 5, 6, 7])
        #expect(selection["chosen"]?.values == .bool([false, false, true, false, false, false]))
        // Segment 1 has the highest mean revenue.
        let segments = try #require(output.table("segments"))
        #expect(try segments.int64s("segment_id") == [1, 2, 3, 4])
        let means = try segments.doubles("mean_monetary_total")
        #expect(means == means.sorted(by: >))
        #expect(try segments.strings("label")[0].contains("high value"))
    }

    @Test func segmentIdsFollowThePreviousRunWhateverTheClusterOrder() throws {
        var context = StageFixtures.context(k: 4)
        context.configuration.segment.seed = 1
        let first = try SegmentStage(context: context).run(try features())
        // The next run: other seed, customers in another order, so clusters come out in another order.
        var next = try features(shift: 1)
        next.setPrevious(try #require(first.table("segments")), named: "segments")
        next.setPrevious(try #require(first.table("customer_segments")), named: "customer_segments")
        next.previousRunID = "first"
        context.configuration.segment.seed = 99
        let second = try SegmentStage(context: context).run(next)
        // Customer i of the second run is in the group of customer i + 1 of the first run.
        let before = try segmentIDs(first)
        let after = try segmentIDs(second)
        for index in 0..<(after.count - 1) { #expect(after[index] == before[index + 1]) }
        #expect(second.metrics["segments_matched"] == .int(4))
        #expect(second.metrics["customers_moved"] != nil)
        let profiles = try #require(second.table("segment_profiles"))
        #expect(profiles.rowCount == 4 * 3)
    }

    @Test(arguments: ["ward", "complete", "average", "single"])
    func hierarchicalLinkagesSeparateTheGroupsAndExportTheDendrogram(linkage: String) throws {
        var context = StageFixtures.context(k: 4)
        context.configuration.segment.method = "hierarchical"
        context.configuration.segment.linkage = linkage
        let output = try SegmentStage(context: context).run(try features(count: 200))
        let ids = try segmentIDs(output)
        for index in 0..<(ids.count - 4) { #expect(ids[index] == ids[index + 4]) }
        #expect(Set(ids).count == 4)
        let dendrogram = try #require(output.table("dendrogram"))
        #expect(dendrogram.rowCount == 199)
        let heights = try dendrogram.doubles("height")
        #expect(heights == heights.sorted())
        #expect(output.metrics["mode"] == .string("direct"))
    }

    @Test func largeHierarchicalInputsRunInTwoStagesWithAReason() throws {
        var context = StageFixtures.context(k: 4)
        context.configuration.segment.method = "hierarchical"
        context.configuration.segment.hierarchicalMaxPoints = 100
        context.configuration.segment.microClusters = 20
        let output = try SegmentStage(context: context).run(try features(count: 400))
        #expect(output.metrics["mode"] == .string("two-stage"))
        #expect(output.metrics["mode_reason"]?.stringValue?.contains("exceed hierarchical_max_points = 100") == true)
        let ids = try segmentIDs(output)
        for index in 0..<(ids.count - 4) { #expect(ids[index] == ids[index + 4]) }
    }
}

@Suite struct RuleSegmentStageTests {
    @Test func rulesAssignFirstMatchAndCountWhatEachRuleWouldCatchAlone() throws {
        var inputs = StageInputs()
        inputs.set(
            try Table(columns: [
                StageFixtures.text("customer_id", ["A", "B", "C", "D", "E"]),
                ColumnBuilderFixtures.recency([10, 400, nil, 200, 30]),
                Column(name: "frequency", values: .int64([9, 6, 0, 1, 2])),
                Column(name: "monetary_total", values: .float64([5000, 2000, 0, 50, 80])),
                StageFixtures.text("country", ["DE", "AT", "DE", nil, "CH"]),
            ]), named: "customer_features", of: .features)
        var context = StageFixtures.context(k: 2)
        context.configuration.rules = .init(
            defaultSegment: "Regular",
            segments: [
                .init(name: "VIP", when: "monetary_total >= 1000 and frequency >= 5"),
                .init(name: "Reactivate", when: "recency_days > 180"),
                .init(name: "DACH", when: "country in ('AT', 'CH')"),
            ])
        let output = try SegmentStage(context: context).run(inputs)
        let table = try #require(output.table("customer_segments"))
        let rules = try table.strings("rule_segment")
        #expect((0..<rules.count).map { rules[$0] } == ["VIP", "VIP", "Regular", "Reactivate", "DACH"])
        guard case .object(let counts)? = output.metrics["rule_segments"] else {
            Issue.record("no rule segment metrics")
            return
        }
        #expect(counts["VIP"] == .object(["customers": .int(2), "matches_alone": .int(2), "priority": .int(1)]))
        #expect(counts["Reactivate"] == .object(["customers": .int(1), "matches_alone": .int(2), "priority": .int(2)]))
        #expect(counts["DACH"] == .object(["customers": .int(1), "matches_alone": .int(2), "priority": .int(3)]))
        #expect(counts["Regular"] == .object(["customers": .int(1)]))
    }
}

enum ColumnBuilderFixtures {
    static func recency(_ values: [Int64?]) -> Column {
        var builder = ColumnBuilder(name: "recency_days", type: .int64)
        for value in values { builder.append(value) }
        return builder.build()
    }
}
