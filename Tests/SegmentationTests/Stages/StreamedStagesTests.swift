import Columnar
import Foundation
import TestSupport
import Testing

@testable import Segmentation

/// Clean, dedupe and features read the orders and email events a slice of record batches at a time when the runner
/// hands them checkpoint files: over generated data cut into small batches and slices, every table and metric is
/// the one the stage produces from whole tables.
@Suite struct StreamedStagesTests {
    /// `inputs` with its orders and email events of `stage` replaced by files of `batchRows`-row record batches.
    private func streaming(_ inputs: StageInputs, of stage: StageName, in folder: String) throws -> StageInputs {
        var streamed = inputs
        for name in ["orders", "email_events"] {
            let table = try inputs.table(name, of: stage)
            streamed.set(
                try StageFixtures.streamed(table, named: name, of: stage, batchRows: 97, in: folder), named: name,
                of: stage)
        }
        return streamed
    }

    private func expectSameTables(_ sliced: StageOutput, _ whole: StageOutput, _ names: [String]) {
        #expect(
            sliced.metrics.filter { !$0.key.hasSuffix("_seconds") } == whole.metrics.filter { !$0.key.hasSuffix("_seconds") })
        for name in names {
            // Compared first, so that a failure names the table instead of printing both.
            let same = sliced.table(name) != nil && sliced.table(name) == whole.table(name)
            #expect(same, "table \(name) differs between the sliced and the whole-table run")
        }
    }

    @Test func cleanDedupeAndFeaturesOverSlicesEqualTheWholeTableRuns() throws {
        let folder = try TemporaryDirectory(prefix: "streamed-stages")
        var context = try StageFixtures.generatedContext(customers: 1_500, seed: 9, in: folder.path)
        context.configuration.dedupe.rules = ["email"]
        let extracted = try StageFixtures.extractedInputs(context)
        #expect((try extracted.table("orders", of: .extract)).rowCount > 1_000)

        let cleanWhole = try CleanStage(context: context).run(extracted)
        var clean = CleanStage(context: context)
        clean.sliceRows = 150
        let cleanSliced = try clean.run(try streaming(extracted, of: .extract, in: folder.path))
        expectSameTables(cleanSliced, cleanWhole, ["customers", "orders", "email_events", "rejects"])

        var cleaned = StageInputs()
        cleaned.set(cleanWhole, of: .clean)
        let dedupeWhole = try DedupeStage(context: context).run(cleaned)
        guard case .int(let merged) = dedupeWhole.metrics["duplicates_merged"] else {
            Issue.record("no duplicates_merged metric")
            return
        }
        #expect(merged > 0, "the generated data has no duplicates to remap")
        var dedupe = DedupeStage(context: context)
        dedupe.sliceRows = 150
        let dedupeSliced = try dedupe.run(try streaming(cleaned, of: .clean, in: folder.path))
        expectSameTables(dedupeSliced, dedupeWhole, ["customers", "customer_id_map", "orders", "email_events"])

        var deduplicated = StageInputs()
        deduplicated.set(dedupeWhole, of: .dedupe)
        let featuresWhole = try FeaturesStage(context: context).run(deduplicated)
        var features = FeaturesStage(context: context)
        features.sliceRows = 150
        let featuresSliced = try features.run(try streaming(deduplicated, of: .dedupe, in: folder.path))
        expectSameTables(featuresSliced, featuresWhole, ["customer_features"])
    }

    /// `table` with every dictionary-encoded column as plain text, as versions before dictionary-encoded checkpoints
    /// wrote it.
    static func plain(_ table: Table) throws -> Table {
        try Table(
            columns: table.columns.map { column in
                guard case .dictionary(let coded) = column.values else { return column }
                return Column(name: column.name, values: .utf8(coded.decoded()), validity: column.validity)
            })
    }

    static func plain(_ output: StageOutput, of stage: StageName) throws -> StageInputs {
        var inputs = StageInputs()
        for (name, table) in output.tables { inputs.set(try plain(table), named: name, of: stage) }
        return inputs
    }

    /// The coded `customer_id` of table `name` of `output`, or nil (recorded as an issue) when it is plain text.
    static func customerCodes(_ output: StageOutput, _ name: String, of stage: String) throws -> DictionaryColumn? {
        guard case .dictionary(let coded) = try #require(output.table(name))["customer_id"]?.values else {
            Issue.record("\(stage) \(name).customer_id is not dictionary-encoded")
            return nil
        }
        return coded
    }

    /// Clean codes each order's and event's customer as the customer's clean row, dedupe as the merged row; plain
    /// text checkpoints (written before) still give the same merged customers, id map and features.
    @Test(arguments: [nil, "UNKNOWN"])
    func customerCodesAreRowsAndPlainTextCheckpointsGiveTheSameResults(placeholder: String?) throws {
        let folder = try TemporaryDirectory(prefix: "coded-stages")
        var context = try StageFixtures.generatedContext(customers: 1_200, seed: 5, in: folder.path)
        context.configuration.dedupe.rules = ["email"]
        if let placeholder { context.configuration.clean.unknownCustomers = "placeholder:" + placeholder }
        let extracted = try StageFixtures.extractedInputs(context)
        let clean = try CleanStage(context: context).run(extracted)
        let cleanIDs = try #require(clean.table("customers")).strings("customer_id")
        for name in ["orders", "email_events"] {
            guard let coded = try Self.customerCodes(clean, name, of: "clean") else { continue }
            // The customers' ids, or (for a table without orphans when the other had some) all but the
            // placeholder customer appended last.
            #expect(cleanIDs.hasPrefix(coded.dictionary))
            #expect(coded.dictionary.count >= cleanIDs.count - (placeholder == nil ? 0 : 1))
            #expect(coded.codes.allSatisfy { $0 >= 0 && Int($0) < coded.dictionary.count })
        }
        if placeholder != nil {
            guard case .int(let orphans) = clean.metrics["orphans_kept_under_placeholder"] else {
                Issue.record("no orphans metric")
                return
            }
            #expect(orphans > 0, "the generated data has no orphans to keep")
            #expect(cleanIDs[cleanIDs.count - 1] == placeholder)
        }
        for (name, column) in [
            ("orders", "currency"), ("orders", "status"), ("orders", "category"), ("email_events", "event_type"),
            ("email_events", "campaign_id"),
        ] {
            #expect(try #require(clean.table(name))[column]?.values.isDictionary == true, "\(name).\(column)")
        }
        var cleaned = StageInputs()
        cleaned.set(clean, of: .clean)
        let coded = try DedupeStage(context: context).run(cleaned)
        let plain = try DedupeStage(context: context).run(try Self.plain(clean, of: .clean))
        guard case .int(let merged) = coded.metrics["duplicates_merged"], merged > 0 else {
            Issue.record("the generated data has no duplicates to remap")
            return
        }
        #expect(coded.table("customers") == plain.table("customers"))
        #expect(coded.table("customer_id_map") == plain.table("customer_id_map"))
        let mergedIDs = try #require(coded.table("customers")).strings("customer_id")
        for name in ["orders", "email_events"] {
            guard let codes = try Self.customerCodes(coded, name, of: "dedupe") else { continue }
            #expect(codes.dictionary == mergedIDs)
            #expect(try Self.plain(try #require(coded.table(name))) == plain.table(name), "dedupe \(name) differs")
        }
        var deduplicated = StageInputs()
        deduplicated.set(coded, of: .dedupe)
        let features = try FeaturesStage(context: context).run(deduplicated)
        let plainFeatures = try FeaturesStage(context: context).run(try Self.plain(coded, of: .dedupe))
        #expect(features.table("customer_features") != nil)
        #expect(features.table("customer_features") == plainFeatures.table("customer_features"))
    }
}
