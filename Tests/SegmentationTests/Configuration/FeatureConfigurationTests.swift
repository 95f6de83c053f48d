import Foundation
import Testing

@testable import Segmentation

@Suite struct FeatureConfigurationTests {
    private let minimal = """
        name: shop
        sources:
          customers: {path: customers.csv}
          orders: {path: orders.csv}
        features:
        """

    @Test func transformsWinsorisingScalingAndCategoricalAttributesDecode() throws {
        let yaml =
            minimal + """

                  winsorize: {monetary_total: 0.99, frequency: "upper:0.95"}
                  scaling: {monetary_total: robust}
                  categorical: {country: 0.5, acquisition_channel: 0.5}
                  max_categories: 8
                """
        let features = try PipelineConfiguration.parse(yaml: yaml, path: "p.yaml").features
        #expect(features.winsorize == ["monetary_total": "0.99", "frequency": "upper:0.95"])
        #expect(features.scaling == "zscore")
        #expect(features.scaling(of: "monetary_total") == "robust")
        #expect(features.scaling(of: "frequency") == "zscore")
        #expect(features.categorical == ["country": 0.5, "acquisition_channel": 0.5])
        #expect(features.maxCategories == 8)
        let upper = try #require(FeatureScaling.Winsorizing("upper:0.95"))
        #expect(upper.percentile == 0.95 && upper.isUpperOnly)
        let global = try PipelineConfiguration.parse(yaml: minimal + "\n  scaling: robust\n", path: "p.yaml")
        #expect(global.features.scaling(of: "recency_days") == "robust")
    }

    @Test(arguments: [
        ("  winsorize: {monetary_total: 2}", "p.yaml:6:", "features.winsorize.monetary_total: expected a percentile"),
        ("  winsorize: {tenure_days: 0.99}", "p.yaml:6:", "\"tenure_days\" is not in features.clustering"),
        ("  scaling: minmax", "p.yaml:6:12", "unknown scaling \"minmax\" (expected zscore or robust)"),
        ("  scaling: {frequency: log}", "p.yaml:6:", "features.scaling.frequency: unknown scaling \"log\""),
        ("  scaling: {age: robust}", "p.yaml:6:", "\"age\" is not in features.clustering"),
        ("  categorical: {shoe_size: 1}", "p.yaml:6:", "unknown attribute \"shoe_size\" (expected one of country"),
        ("  categorical: {country: -1}", "p.yaml:6:", "weight must be a non-negative number"),
        ("  max_categories: 0", "p.yaml:6:19", "must be between 1 and 100"),
        ("  pushdown: true", "p.yaml:6:13", "needs an orders source read from PostgreSQL"),
        (
            "  predict_clv: false\n  clustering: [recency_days, predicted_clv_12m]", "p.yaml:6:",
            "features.clustering uses predicted_clv_12m"
        ),
        ("  winsorise: {frequency: 0.99}", "p.yaml:6:3", "unknown key \"features.winsorise\""),
    ])
    func invalidFeatureSettingsNameTheirPlace(line: String, place: String, expected: String) {
        #expect {
            try PipelineConfiguration.parse(yaml: minimal + "\n" + line + "\n", path: "p.yaml")
        } throws: { error in
            let message = (error as? PipelineError)?.message ?? ""
            return message.contains(place) && message.contains(expected)
        }
    }

    @Test func newKeysAtTheirDefaultsLeaveTheEncodingUnchanged() throws {
        let encoded = try JSONEncoder().encode(PipelineConfiguration.Features())
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(!text.contains("scaling") && !text.contains("pushdown") && !text.contains("categorical"))
        #expect(!text.contains("predict_clv"))
        let off = try PipelineConfiguration.parse(yaml: minimal + "\n  predict_clv: false\n", path: "p.yaml")
        #expect(off.features.predictCLV == false)
    }
}
