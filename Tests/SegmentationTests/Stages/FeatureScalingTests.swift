import Clustering
import Columnar
import Testing

@testable import Segmentation

extension JSONValue {
    fileprivate var objectValue: [String: JSONValue]? {
        if case .object(let object) = self { return object }
        return nil
    }
}

@Suite struct FeatureScalingTests {
    private func features(monetary: [Double], country: [String?] = []) throws -> Table {
        var columns = [
            StageFixtures.text("customer_id", monetary.indices.map { "C\($0)" }),
            Column(name: "monetary_total", values: .float64(monetary)),
        ]
        if !country.isEmpty { columns.append(StageFixtures.text("country", country)) }
        return try Table(columns: columns)
    }

    private func configuration(_ change: (inout PipelineConfiguration.Features) -> Void) -> PipelineConfiguration {
        var configuration = StageFixtures.context().configuration
        configuration.features = .init(clustering: ["monetary_total"], transforms: ["monetary_total": "none"])
        change(&configuration.features)
        return configuration
    }

    private func column(_ scaling: FeatureScaling, _ index: Int) -> [Double] {
        (0..<scaling.matrix.rowCount).map { scaling.matrix[$0, index] }
    }

    /// The coded categories (used for attribute shares) are the string categories, counted the same way: nulls and
    /// empty values are "unknown", and the top values rank by count, then name, with "other" never kept.
    @Test func categoryCodesGiveTheCategoriesOfTheStringValues() throws {
        let values: [String?] = ["DE", nil, "AT", "", "DE", "other", "unknown", "CH", "AT", "DE", nil, "FR"]
        var builder = ColumnBuilder(name: "country", type: .utf8, capacity: values.count)
        for value in values { builder.append(value) }
        let table = try Table(columns: [builder.build()])
        let strings = try FeatureScaling.categoryValues(table, "country")
        let (codes, names, counts) = try FeatureScaling.categoryCodes(table, "country")
        #expect(codes.map { names[Int($0)] } == strings)
        var countOf: [String: Int] = [:]
        for (code, name) in names.enumerated() { countOf[name, default: 0] += counts[code] }
        #expect(countOf.filter { $0.value > 0 } == Dictionary(strings.map { ($0, 1) }, uniquingKeysWith: +))
        for cap in 1...6 {
            let fromStrings = FeatureScaling.topCategories(strings, cap: cap)
            let fromCounts = FeatureScaling.topCategories(counts: countOf, cap: cap)
            #expect(fromCounts.kept == fromStrings.kept && fromCounts.hasOther == fromStrings.hasOther, "cap \(cap)")
        }
        #expect(FeatureScaling.topCategories(strings, cap: 2).kept == ["unknown", "DE"])
        #expect(FeatureScaling.topCategories(strings, cap: 2).hasOther)
    }

    @Test func percentilesInterpolateBetweenClosestRanks() {
        #expect(FeatureScaling.percentile([1, 2, 3, 4, 100], 0.75) == 4)
        #expect(FeatureScaling.percentile([1, 2, 3, 4, 100], 0.875) == 52)
        #expect(FeatureScaling.percentile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(FeatureScaling.percentile([7], 0.99) == 7)
        #expect(FeatureScaling.percentile([], 0.5) == nil)
    }

    @Test func winsorisingClipsBothTailsBeforeZScoring() throws {
        let scaling = try FeatureScaling(
            features: try features(monetary: [1, 2, 3, 4, 100]), names: ["monetary_total"],
            configuration: configuration { $0.winsorize = ["monetary_total": "0.75"] })
        // Cut values: 25th percentile 2, 75th percentile 4 → [2, 2, 3, 4, 4]; mean 3, std √0.8.
        let std = 0.8.squareRoot()
        #expect(column(scaling, 0) == [-1 / std, -1 / std, 0, 1 / std, 1 / std])
        #expect(scaling.centers == [3])
        #expect(scaling.spreads == [std])
        let entry = try #require(scaling.manifestValue.objectValue?["monetary_total"]?.objectValue)
        #expect(
            entry["winsorize"]
                == .object([
                    "percentile": .double(0.75), "tails": .string("both"), "lower": .double(2), "upper": .double(4),
                ]))
        #expect(entry["scaling"] == .string("zscore"))
        #expect(entry["mean"] == .double(3))
    }

    @Test func upperOnlyWinsorisingLeavesTheLowerTail() throws {
        let scaling = try FeatureScaling(
            features: try features(monetary: [1, 2, 3, 4, 100]), names: ["monetary_total"],
            configuration: configuration {
                $0.winsorize = ["monetary_total": "upper:0.875"]
                $0.scaling = "robust"
            })
        // Clipped at the 87.5th percentile, 4 + 0.5 · 96 = 52 → [1, 2, 3, 4, 52]; median 3, IQR 4 − 2 = 2.
        #expect(column(scaling, 0) == [-1, -0.5, 0, 0.5, 24.5])
        let entry = try #require(scaling.manifestValue.objectValue?["monetary_total"]?.objectValue)
        #expect(entry["winsorize"]?.objectValue?["lower"] == .null)
        #expect(entry["winsorize"]?.objectValue?["upper"] == .double(52))
    }

    @Test func robustScalingUsesMedianAndInterquartileRange() throws {
        let scaling = try FeatureScaling(
            features: try features(monetary: [1, 2, 3, 4, 100]), names: ["monetary_total"],
            configuration: configuration {
                $0.scalingByFeature = ["monetary_total": "robust"]
                $0.weights = ["monetary_total": 2]
            })
        #expect(column(scaling, 0) == [-2, -1, 0, 1, 97])
        let entry = try #require(scaling.manifestValue.objectValue?["monetary_total"]?.objectValue)
        #expect(entry["median"] == .double(3))
        #expect(entry["q1"] == .double(2))
        #expect(entry["q3"] == .double(4))
        #expect(entry["iqr"] == .double(2))
        #expect(entry["weight"] == .double(2))
    }

    @Test func robustScalingWithZeroInterquartileRangeDividesByOne() throws {
        let scaling = try FeatureScaling(
            features: try features(monetary: [5, 5, 5, 5, 9]), names: ["monetary_total"],
            configuration: configuration { $0.scaling = "robust" })
        #expect(column(scaling, 0) == [0, 0, 0, 0, 4])
        #expect(scaling.spreads == [1])
    }

    @Test func categoricalAttributesBecomeWeightedOneHotColumnsWithOther() throws {
        let scaling = try FeatureScaling(
            features: try features(monetary: [1, 1, 1, 1, 1, 1], country: ["DE", "DE", "AT", "FR", nil, "CH"]),
            names: ["monetary_total"],
            configuration: configuration {
                $0.categorical = ["country": 0.5]
                $0.maxCategories = 2
            })
        // DE (2) first; AT, CH, FR and unknown (1 each) tie, AT wins by name; the rest share "other".
        #expect(scaling.names == ["monetary_total", "country=DE", "country=AT", "country=other"])
        #expect(column(scaling, 1) == [0.5, 0.5, 0, 0, 0, 0])
        #expect(column(scaling, 2) == [0, 0, 0.5, 0, 0, 0])
        #expect(column(scaling, 3) == [0, 0, 0, 0.5, 0.5, 0.5])
        let entry = try #require(scaling.manifestValue.objectValue?["country"]?.objectValue)
        #expect(entry["categories"] == .array([.string("DE"), .string("AT"), .string("other")]))
        #expect(entry["weight"] == .double(0.5))
        #expect(entry["kind"] == .string("one-hot"))
    }

    @Test func centroidsRoundTripThroughUnscaledColumnsAndMissingCategoriesCountAsZero() throws {
        let scaling = try FeatureScaling(
            features: try features(monetary: [1, 2, 3, 4, 100], country: ["DE", "DE", "AT", "AT", "FR"]),
            names: ["monetary_total"],
            configuration: configuration {
                $0.scaling = "robust"
                $0.categorical = ["country": 2]
            })
        #expect(scaling.names == ["monetary_total", "country=AT", "country=DE", "country=FR"])
        // Two previous segments: centroids in transformed-unscaled units, shares for the categories.
        let previous = try Table(columns: [
            Column(name: "segment_id", values: .int64([1, 2])),
            Column(name: "centroid_monetary_total", values: .float64([3, 5])),
            Column(name: "centroid_country=AT", values: .float64([0.25, 1])),
            Column(name: "centroid_country=DE", values: .float64([0.75, 0])),
        ])
        let centroids = try #require(scaling.scaledCentroids(of: previous))
        #expect(centroids[0, 0] == 0)
        #expect(centroids[1, 0] == 1)
        #expect([centroids[0, 1], centroids[0, 2], centroids[0, 3]] == [0.5, 1.5, 0])
        #expect([centroids[1, 1], centroids[1, 2], centroids[1, 3]] == [2, 0, 0])
        for feature in 0..<4 {
            #expect(scaling.scale(scaling.unscale(1.5, feature: feature), feature: feature) == 1.5)
        }
        // A previous run that did not use the attribute at all is not comparable.
        let withoutCountry = try Table(columns: [
            Column(name: "segment_id", values: .int64([1])),
            Column(name: "centroid_monetary_total", values: .float64([3])),
        ])
        #expect(scaling.scaledCentroids(of: withoutCountry) == nil)
    }

    @Test func segmentStageRecordsCategoryCentroidsAndAttributeShares() throws {
        var context = StageFixtures.context(k: 2)
        context.configuration.features = .init(clustering: ["monetary_total"], categorical: ["country": 1])
        let monetary: [Double] = [10, 11, 12, 13, 1000, 1100, 1200, 1300]
        let country: [String?] = ["DE", "DE", "DE", "AT", "AT", "AT", "AT", nil]
        var inputs = StageInputs()
        var table = try features(monetary: monetary, country: country)
        table = try Table(
            columns: table.columns + [
                Column(name: "recency_days", values: .int64([1, 2, 3, 4, 5, 6, 7, 8])),
                Column(name: "frequency", values: .int64([1, 1, 1, 1, 2, 2, 2, 2])),
            ])
        inputs.set(table, named: "customer_features", of: .features)
        let output = try SegmentStage(context: context).run(inputs)
        let segments = try #require(output.table("segments"))
        // Segment 1 has the higher revenue: AT, AT, AT and unknown.
        #expect(try segments.doubles("centroid_country=AT") == [0.75, 0.25])
        #expect(try segments.doubles("centroid_country=DE") == [0, 0.75])
        #expect(try segments.doubles("centroid_country=unknown") == [0.25, 0])
        let shares = try #require(output.table("segment_attribute_shares"))
        let attributes = try shares.strings("attribute")
        let values = try shares.strings("value")
        let segmentIDs = try shares.int64s("segment_id")
        let share = try shares.doubles("share")
        var found: [String: Double] = [:]
        for row in 0..<shares.rowCount where attributes[row] == "country" {
            found["\(segmentIDs[row]) \(values[row])"] = share[row]
        }
        #expect(
            found == [
                "1 AT": 0.75, "1 DE": 0, "1 unknown": 0.25, "2 AT": 0.25, "2 DE": 0.75, "2 unknown": 0,
            ])
        let scaling = try #require(output.metrics["scaling"]?.objectValue)
        #expect(
            scaling["country"]?.objectValue?["categories"]
                == .array([.string("AT"), .string("DE"), .string("unknown")]))
    }

    @Test func stableIdsFollowThePreviousRunWithWinsorisedRobustAndOneHotColumns() throws {
        var context = StageFixtures.context(k: 3)
        context.configuration.features = .init(
            clustering: ["recency_days", "monetary_total"], winsorize: ["monetary_total": "0.95"],
            scalingByFeature: ["monetary_total": "robust"], categorical: ["country": 1])
        func inputs(shift: Int, countries: [String]) throws -> StageInputs {
            let groups: [(recency: Int64, monetary: Double)] = [(5, 5000), (400, 30), (60, 600)]
            var recency: [Int64] = []
            var monetary: [Double] = []
            var country: [String?] = []
            for index in 0..<300 {
                let group = (index + shift) % groups.count
                recency.append(groups[group].recency + Int64(index % 5))
                monetary.append(groups[group].monetary * (1 + Double(index % 7) / 50))
                country.append(countries[group])
            }
            var inputs = StageInputs()
            inputs.set(
                try Table(columns: [
                    StageFixtures.text("customer_id", (0..<300).map { "C\($0)" }),
                    Column(name: "recency_days", values: .int64(recency)),
                    Column(name: "frequency", values: .int64(recency.map { _ in 1 })),
                    Column(name: "monetary_total", values: .float64(monetary)), StageFixtures.text("country", country),
                ]), named: "customer_features", of: .features)
            return inputs
        }
        let first = try SegmentStage(context: context).run(try inputs(shift: 0, countries: ["DE", "AT", "CH"]))
        // The next night: customers in another order, and a country the first run never saw.
        var next = try inputs(shift: 1, countries: ["DE", "FR", "CH"])
        next.setPrevious(try #require(first.table("segments")), named: "segments")
        next.setPrevious(try #require(first.table("customer_segments")), named: "customer_segments")
        next.previousRunID = "first"
        let second = try SegmentStage(context: context).run(next)
        let before = try #require(first.table("customer_segments")).int64s("segment_id")
        let after = try #require(second.table("customer_segments")).int64s("segment_id")
        for index in 0..<(after.count - 1) { #expect(after[index] == before[index + 1]) }
        #expect(second.metrics["segments_matched"] == .int(3))
    }
}
