import Foundation
import Testing

@testable import Segmentation

@Suite struct PipelineConfigurationTests {
    private let minimal = """
        name: shop
        sources:
          customers: {path: customers.csv}
          orders: {path: orders.csv}
        """

    @Test func minimalPipelineGetsDocumentedDefaults() throws {
        let configuration = try PipelineConfiguration.parse(yaml: minimal, path: "shop.yaml")
        #expect(configuration.name == "shop")
        #expect(configuration.sources.emailEvents == nil)
        #expect(configuration.sources.customers.delimiter == ",")
        #expect(configuration.clean.maxRejectRate == 0.05)
        #expect(configuration.segment.k == 5)
        #expect(configuration.features.clustering == ["recency_days", "frequency", "monetary_total"])
        #expect(configuration.load.schema == "segpipe")
    }

    /// `dedupe.write_orders_and_events` defaults to true and is left out of the section's encoding then, so the
    /// configuration digest of a pipeline that does not set it is what it was before the setting existed.
    @Test func writeOrdersAndEventsDefaultsToTrueAndLeavesTheDigestAlone() throws {
        let configuration = try PipelineConfiguration.parse(yaml: minimal, path: "shop.yaml")
        #expect(configuration.dedupe.writeOrdersAndEvents)
        #expect(!CanonicalJSON.string(configuration.dedupe).contains("write_orders_and_events"))
        #expect(
            CanonicalJSON.string(configuration.dedupe)
                == #"{"max_block_size":500,"max_group_size":5,"rules":["email","fuzzy"],"survivorship":{},"threshold":0.75}"#)

        let lean = try PipelineConfiguration.parse(
            yaml: minimal + "\ndedupe: {rules: [email], write_orders_and_events: false}\n", path: "shop.yaml")
        #expect(!lean.dedupe.writeOrdersAndEvents)
        #expect(CanonicalJSON.string(lean.dedupe).contains(#""write_orders_and_events":false"#))
        let decoded = try JSONDecoder().decode(
            PipelineConfiguration.Dedupe.self, from: Data(CanonicalJSON.string(lean.dedupe).utf8))
        #expect(decoded == lean.dedupe)
    }

    @Test func unknownKeyIsRejectedWithLineAndColumn() {
        let yaml = minimal + "\nsegment:\n  k: 4\n  kk: 5\n"
        #expect {
            try PipelineConfiguration.parse(yaml: yaml, path: "shop.yaml")
        } throws: { error in
            let error = error as? PipelineError
            return error?.code == .configuration && error?.message.contains("shop.yaml:7:3") == true
                && error?.message.contains("unknown key \"segment.kk\"") == true && error?.exitCode == 2
        }
    }

    @Test func wrongTypeNamesThePlaceAndTheExpectation() {
        let yaml = minimal + "\nsegment:\n  k: many\n"
        #expect {
            try PipelineConfiguration.parse(yaml: yaml, path: "shop.yaml")
        } throws: { error in
            let message = (error as? PipelineError)?.message ?? ""
            return message.contains("shop.yaml:6:6") && message.contains("segment.k")
                && message.contains("whole number")
        }
    }

    @Test(arguments: [
        ("segment:\n  k: 1\n", "segment.k"),
        ("clean:\n  max_reject_rate: 1.5\n", "clean.max_reject_rate"),
        ("features:\n  clustering: [recency_days, shoe_size]\n", "unknown feature \"shoe_size\""),
        ("dedupe:\n  rules: [zodiac]\n", "unknown rule"),
    ])
    func invalidValuesAreConfigurationErrors(snippet: String, expected: String) {
        #expect {
            try PipelineConfiguration.parse(yaml: minimal + "\n" + snippet, path: "p.yaml")
        } throws: { error in
            (error as? PipelineError)?.message.contains(expected) == true
        }
    }

    @Test func missingSourcesIsReported() {
        #expect {
            try PipelineConfiguration.parse(yaml: "name: x\n", path: "p.yaml")
        } throws: { error in
            (error as? PipelineError)?.message.contains("missing required key \"sources\"") == true
        }
    }

    @Test func malformedYAMLIsAConfigurationError() {
        #expect {
            try PipelineConfiguration.parse(yaml: "name: [unclosed\n", path: "p.yaml")
        } throws: { error in
            (error as? PipelineError)?.code == .configuration
        }
    }
}

@Suite struct RuleConfigurationTests {
    @Test func unknownFeatureInARuleNamesTheRuleAndItsPlace() {
        let yaml = """
            name: shop
            sources:
              customers: {path: customers.csv}
              orders: {path: orders.csv}
            rules:
              default: Regular
              segments:
                - {name: Reactivate, when: "recency_days > 180"}
                - {name: VIP, when: "monetry_total >= 1000"}
            """
        #expect {
            try PipelineConfiguration.parse(yaml: yaml, path: "p.yaml")
        } throws: { error in
            let message = (error as? PipelineError)?.message ?? ""
            return message.contains("p.yaml:9:")
                && message.contains("rule \"VIP\", column 1: unknown feature \"monetry_total\"")
                && message.contains("did you mean monetary_total?")
        }
    }
}
