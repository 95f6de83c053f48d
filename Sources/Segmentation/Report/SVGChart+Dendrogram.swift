extension SVGChart {
    /// A dendrogram: merge heights upwards, leaves along the bottom labelled with their size (`(123)`) or id.
    ///
    /// Links below the cut take their cluster's categorical colour (`ColorScale.categorical(cluster)`), links
    /// above it are grey, and a dashed rule marks the cut.
    static func dendrogram(_ layout: DendrogramLayout, title: String, width: Double = 1100, height: Double = 380)
        -> String
    {
        let left = 64.0
        let right = 16.0
        let top = 20.0
        let bottom = 56.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let step = plotWidth / Double(max(1, layout.leaves.count))
        let ticks = niceTicks(low: 0, high: layout.maximumHeight, count: 5)
        let yMax = max(ticks.last ?? layout.maximumHeight, layout.maximumHeight, 1e-12)
        func x(_ position: Double) -> Double { left + (position + 0.5) * step }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - value / yMax) }

        var canvas = SVGCanvas(width: width, height: height, title: title)
        for (tick, label) in zip(ticks, tickLabels(ticks)) {
            canvas.line(x1: left, y1: y(tick), x2: left + plotWidth, y2: y(tick), stroke: gridColor)
            canvas.text(label, x: left - 6, y: y(tick) + 4, anchor: .end, size: 11)
        }
        canvas.line(x1: left, y1: top, x2: left, y2: top + plotHeight, stroke: axisColor)
        canvas.text("merge height", x: 14, y: top + plotHeight / 2, anchor: .middle, rotation: -90)

        for link in layout.links {
            let colour = link.cluster.map(ColorScale.categorical) ?? "#8a8a8a"
            canvas.path(
                [
                    (x(link.leftX), y(link.leftHeight)), (x(link.leftX), y(link.height)),
                    (x(link.rightX), y(link.height)), (x(link.rightX), y(link.rightHeight)),
                ], stroke: colour)
        }
        if let cut = layout.cutHeight {
            canvas.line(
                x1: left, y1: y(cut), x2: left + plotWidth, y2: y(cut), stroke: "#c0392b", strokeWidth: 1.2,
                dashed: true)
            canvas.text(
                "cut: \(layout.clusters.count) segments", x: left + plotWidth - 4, y: y(cut) - 5, anchor: .end,
                size: 11, fill: "#c0392b")
        }
        let labelSize = min(11, max(7, step * 0.8))
        for (index, leaf) in layout.leaves.enumerated() {
            let label: String
            if leaf.node >= layout.observationCount, let size = leaf.size {
                label = "(\(Markup.compact(size)))"
            } else {
                label = "#\(leaf.node)"
            }
            let colour = leaf.cluster.map(ColorScale.categorical) ?? "#8a8a8a"
            canvas.line(
                x1: x(Double(index)), y1: y(0), x2: x(Double(index)), y2: y(0) + 4, stroke: colour, strokeWidth: 1.5)
            canvas.text(
                label, x: x(Double(index)) + labelSize * 0.35, y: y(0) + 8, anchor: .end, size: labelSize,
                rotation: -90)
        }
        return canvas.render()
    }
}
