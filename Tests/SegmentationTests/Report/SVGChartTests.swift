import Foundation
import Testing

@testable import Segmentation

@Suite struct SVGChartTests {
    @Test func markupEscapesEveryCharacterThatCouldOpenMarkup() {
        #expect(Markup.escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;")
        #expect(Markup.escape("Müller · Köln") == "Müller · Köln")
    }

    @Test(arguments: [
        (1234567, "1,234,567"), (999, "999"), (1000, "1,000"), (0, "0"), (-4500, "-4,500"),
    ])
    func countsGroupThousands(value: Int, text: String) {
        #expect(Markup.count(value) == text)
    }

    @Test func decimalsAndPercentagesIgnoreTheLocale() {
        #expect(Markup.decimal(-0.456, digits: 2) == "-0.46")
        #expect(Markup.decimal(2292.52, digits: 1) == "2,292.5")
        #expect(Markup.decimal(0.004, digits: 2) == "0.00")
        #expect(Markup.percent(0.0125, digits: 2) == "1.25%")
        #expect(Markup.decimal(.nan) == "–")
    }

    @Test func tickLabelsUseJustEnoughDecimals() {
        let ticks = SVGChart.niceTicks(low: 0.41, high: 0.5, count: 5)
        #expect(ticks.first ?? 1 <= 0.41 && ticks.last ?? 0 >= 0.5)
        let labels = SVGChart.tickLabels([0.4, 0.425, 0.45, 0.475, 0.5])
        #expect(labels == ["0.400", "0.425", "0.450", "0.475", "0.500"])
        #expect(SVGChart.tickLabels([0, 2000, 4000]) == ["0", "2,000", "4,000"])
    }

    @Test func chartsAreOneSVGWithEscapedLabels() {
        let bars = SVGChart.horizontalBars(
            title: "a <title>", categories: ["<x>", "y & z"],
            series: [.init(name: "n", color: "#000", values: [1, 2])], format: { "\($0)" })
        #expect(bars.hasPrefix("<svg") && bars.hasSuffix("</svg>"))
        #expect(bars.components(separatedBy: "<svg").count == 2)
        #expect(bars.contains("&lt;x&gt;") && bars.contains("y &amp; z") && !bars.contains("<x>"))

        let map = SVGChart.heatMap(
            .init(
                title: "t", rowLabels: ["r"], columnLabels: ["c1", "c2"], values: [[1.5, nil]],
                scale: .diverging(limit: 2), cellText: { Markup.decimal($0) }))
        #expect(map.contains(">1.50<"))
        #expect(map.contains(">–<"))
    }

    @Test func divergingScaleIsWhiteAtZeroAndClampsBeyondTheLimit() {
        let scale = ColorScale.diverging(limit: 2)
        #expect(scale.color(0).hex == "#f7f7f7")
        #expect(scale.color(-2).hex == "#2166ac")
        #expect(scale.color(9).hex == scale.color(2).hex)
    }

    /// Four observations: (0, 1) at 1, (2, 3) at 2, then both pairs at 5 — SciPy's linkage layout.
    private let merges = [
        DendrogramLayout.Merge(first: 0, second: 1, height: 1, size: 2),
        DendrogramLayout.Merge(first: 2, second: 3, height: 2, size: 2),
        DendrogramLayout.Merge(first: 4, second: 5, height: 5, size: 4),
    ]

    @Test func fullDendrogramKeepsSciPyLeafOrderAndCutsIntoClusters() throws {
        let layout = try #require(DendrogramLayout(merges: merges, leafCount: 10, clusterCount: 2))
        #expect(layout.leaves.map(\.node) == [0, 1, 2, 3])
        #expect(layout.leaves.map(\.cluster) == [0, 0, 1, 1])
        #expect(layout.links.count == 3)
        #expect(layout.clusters.map(\.leaves) == [0...1, 2...3])
        #expect(layout.cutHeight == 3.5)
        // The root link is above the cut and joins the midpoints of its children.
        let root = try #require(layout.links.last)
        #expect(root.cluster == nil && root.leftX == 0.5 && root.rightX == 2.5)
    }

    @Test func truncatedDendrogramContractsEarlierClustersIntoSizedLeaves() throws {
        let layout = try #require(DendrogramLayout(merges: merges, leafCount: 2, clusterCount: 1))
        #expect(layout.leaves.map(\.node) == [4, 5])
        #expect(layout.leaves.map(\.size) == [2, 2])
        #expect(layout.links.count == 1)
        #expect(layout.cutHeight == nil)
    }

    @Test func invalidLinkageIsRejected() {
        let broken = [DendrogramLayout.Merge(first: 0, second: 7, height: 1, size: 2)]
        #expect(DendrogramLayout(merges: broken, leafCount: 10, clusterCount: 1) == nil)
    }
}
