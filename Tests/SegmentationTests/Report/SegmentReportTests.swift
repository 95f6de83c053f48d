import Columnar
import Foundation
import TestSupport
import Testing

@testable import Segmentation

@Suite struct SegmentReportTests {
    /// Two k-means runs of pipeline `shop` (k: auto, the second with a hostile label) and one Ward run of
    /// pipeline `shop-ward` (k = 4, in between by as_of).
    private func makeRuns() throws -> ReportFixture {
        let fixture = try ReportFixture()
        let first = try fixture.addRun("run-1", pipeline: "shop", asOf: "2026-01-01")
        try fixture.addRun(
            "run-2", pipeline: "shop", asOf: "2026-02-01", previous: first, shift: 1, hostileLabel: true)
        try fixture.addRun("ward-1", pipeline: "shop-ward", asOf: "2026-01-15", method: "hierarchical", k: 4)
        return fixture
    }

    private func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    private func sectionIDs(_ html: String) -> [String] {
        html.components(separatedBy: "<section id=\"").dropFirst().compactMap { $0.split(separator: "\"").first }
            .map(String.init)
    }

    @Test func kMeansReportHasEverySectionAndOneSVGPerChart() throws {
        let fixture = try makeRuns()
        let html = try SegmentReport.render(checkpointDirectory: fixture.store.root, runID: "run-2")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<header id=\"overview\">"))
        #expect(sectionIDs(html) == ["segments", "profiles", "rfm", "k-selection", "transitions", "data-quality"])
        // sizes 1, profiles 1, RFM grid + named segments 2, silhouette + inertia 2, transitions 1, rejects 1.
        #expect(count("<svg", in: html) == 8)
        #expect(count("</svg>", in: html) == 8)
        #expect(html.contains("run-2"))
        #expect(html.contains("2026-02-01"))
    }

    @Test func hierarchicalReportDrawsTheTruncatedDendrogramAndNoKSelection() throws {
        let fixture = try makeRuns()
        let html = try SegmentReport.render(checkpointDirectory: fixture.store.root, runID: "ward-1")
        // The first run of its pipeline: no transitions; k was fixed: no k selection.
        #expect(sectionIDs(html) == ["segments", "profiles", "rfm", "dendrogram", "data-quality"])
        #expect(count("<svg", in: html) == 6)
        #expect(html.contains("hierarchical"))
        // 240 customers, 239 merges: the last 49 are drawn over 50 leaves, all of them contracted clusters.
        let dendrogram = try #require(html.components(separatedBy: "<section id=\"dendrogram\">").last)
        #expect(count("<path ", in: dendrogram) == SegmentReport.dendrogramLeafCount - 1)
        #expect(dendrogram.contains("The last 49 of 239 merges are drawn"))
        #expect(dendrogram.contains("cut: 4 segments"))
        #expect(count("<li>", in: dendrogram) == 4)
    }

    @Test func segmentLabelsAndCountsAppear() throws {
        let fixture = try makeRuns()
        for runID in ["run-1", "run-2", "ward-1"] {
            let html = try SegmentReport.render(checkpointDirectory: fixture.store.root, runID: runID)
            let manifest = try #require(try fixture.store.manifest(runID, .segment))
            let segments = try fixture.store.readTable("segments", of: manifest)
            let labels = try segments.strings("label")
            let sizes = try segments.int64s("size")
            for row in 0..<segments.rowCount {
                #expect(html.contains(Markup.escape(labels[row])), "label \(labels[row]) of \(runID)")
                #expect(html.contains(">\(Markup.count(Int(sizes[row])))<"), "size \(sizes[row]) of \(runID)")
            }
            #expect(html.contains(">\(Markup.count(240))<"), "customer count of \(runID)")
        }
    }

    @Test func textFromTheDataIsEscaped() throws {
        let fixture = try makeRuns()
        let html = try SegmentReport.render(checkpointDirectory: fixture.store.root, runID: "run-2")
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"))
        #expect(html.contains("&lt;b&gt;bad&lt;/b&gt; date"))
    }

    @Test func pageReferencesNothingOnTheNetwork() throws {
        let fixture = try makeRuns()
        for runID in ["run-2", "ward-1"] {
            let html = try SegmentReport.render(checkpointDirectory: fixture.store.root, runID: runID)
            #expect(!html.contains("http://"))
            #expect(!html.contains("https://"))
            #expect(!html.contains("<script"))
            #expect(!html.contains("<link"))
            #expect(!html.contains("@import"))
        }
    }

    @Test func transitionsCountEveryCustomerOfBothRuns() throws {
        let fixture = try makeRuns()
        let data = try ReportData.load(store: fixture.store, runID: "run-2")
        let transitions = try #require(data.transitions)
        #expect(transitions.previousRunID == "run-1")
        #expect(transitions.counts.flatMap { $0 }.reduce(0, +) == 240)
        #expect(transitions.stayed + transitions.moved + transitions.new == 240)
        #expect(transitions.new == 0 && transitions.left == 0)
        // The same customers in both runs: no "new customers" row, no "left" column.
        #expect(!transitions.fromLabels.contains("new customers"))
        #expect(!transitions.toLabels.contains("left"))
        #expect(transitions.counts.count == transitions.fromLabels.count)
        #expect(transitions.counts.allSatisfy { $0.count == transitions.toLabels.count })
    }

    @Test func transitionsShowNewCustomersAndCustomersWhoLeft() throws {
        let fixture = try ReportFixture()
        let first = try fixture.addRun("a", pipeline: "grow", asOf: "2026-01-01", customers: 200)
        let second = try fixture.addRun("b", pipeline: "grow", asOf: "2026-02-01", previous: first, customers: 240)
        try fixture.addRun("c", pipeline: "grow", asOf: "2026-03-01", previous: second, customers: 220)
        let grown = try #require(try ReportData.load(store: fixture.store, runID: "b").transitions)
        #expect(grown.new == 40 && grown.left == 0)
        #expect(grown.fromLabels.last == "new customers" && grown.counts.last?.reduce(0, +) == 40)
        #expect(!grown.toLabels.contains("left"))
        let shrunk = try #require(try ReportData.load(store: fixture.store, runID: "c").transitions)
        #expect(shrunk.previousRunID == "b")
        #expect(shrunk.new == 0 && shrunk.left == 20)
        #expect(shrunk.toLabels.last == "left" && shrunk.counts.map { $0.last ?? 0 }.reduce(0, +) == 20)
        let html = try SegmentReport.render(checkpointDirectory: fixture.store.root, runID: "c")
        #expect(html.contains(">left<"))
    }

    @Test func dataQualityShowsRejectsRatesAndDuplicates() throws {
        let fixture = try makeRuns()
        let html = try SegmentReport.render(checkpointDirectory: fixture.store.root, runID: "run-1")
        let quality = try #require(html.components(separatedBy: "<section id=\"data-quality\">").last)
        #expect(quality.contains("wrong field count"))
        #expect(quality.contains("order date after as_of"))
        #expect(quality.contains("1.25%"))
        #expect(quality.contains("Duplicates merged</th><td>17<"))
    }

    @Test func latestRunIsTheDefault() throws {
        let fixture = try makeRuns()
        let latest = try SegmentReport.render(checkpointDirectory: fixture.store.root, runID: nil)
        let second = try SegmentReport.render(checkpointDirectory: fixture.store.root, runID: "run-2")
        #expect(latest == second)
    }

    @Test func unknownRunIsAUsageError() throws {
        let fixture = try makeRuns()
        let error = #expect(throws: PipelineError.self) {
            try SegmentReport.render(checkpointDirectory: fixture.store.root, runID: "nope")
        }
        #expect(error?.code == .usage)
        #expect(error?.message.contains("nope") == true)
    }

    @Test func writeCreatesTheFolderAndReturnsThePath() throws {
        let fixture = try makeRuns()
        let path = fixture.directory.path("out/nested/report.html")
        let written = try SegmentReport.write(checkpointDirectory: fixture.store.root, runID: "ward-1", to: path)
        #expect(written == path)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html == (try SegmentReport.render(checkpointDirectory: fixture.store.root, runID: "ward-1")))
        #expect(SegmentReport.defaultPath(runID: "ward-1") == "reports/ward-1.html")
    }
}
