/// Small, dependency-free SVG charts: horizontal bar charts, line charts and heat maps.
///
/// Each function returns one `<svg>` element. Labels are escaped by ``SVGCanvas``; long labels are shortened
/// with an ellipsis so they never overlap the plot.
enum SVGChart {
    /// One named series of values, drawn in one colour.
    struct Series {
        var name: String
        var color: String
        var values: [Double]
    }

    /// The content of a heat map: a value (or nothing) per row and column.
    struct HeatMap {
        var title: String
        var rowLabels: [String]
        var columnLabels: [String]
        /// `values[row][column]`; `nil` cells are drawn grey with a dash.
        var values: [[Double?]]
        /// The colour scale of the cells.
        var scale: ColorScale
        /// The text printed in a cell.
        var cellText: (Double) -> String
        /// A tooltip per cell (row, column), if any.
        var tooltip: ((Int, Int) -> String?)? = nil
        /// Caption of the row axis, drawn above the row labels.
        var rowTitle: String = ""
        /// Caption of the column axis, drawn above the column labels.
        var columnTitle: String = ""
    }

    static let font = 12.0
    static let gridColor = "#e3e3e3"
    static let axisColor = "#888"
    /// Longest rotated column label of a heat map, in user units; longer labels are shortened.
    static let maximumRotatedLabel = 280.0

    // MARK: - Bars

    /// Horizontal bars: one row per category, one bar per series in each row, values printed at the bar ends.
    static func horizontalBars(
        title: String, categories: [String], series: [Series], width: Double = 900, format: (Double) -> String
    ) -> String {
        let labelWidth = min(320, max(80, longestLabel(categories) * font * 0.6 + 12))
        let barHeight = 16.0
        let rowHeight = Double(max(1, series.count)) * (barHeight + 2) + 12
        let legendHeight = series.count > 1 ? 26.0 : 0
        let top = legendHeight + 8
        let valueRoom = 90.0
        let plotWidth = max(100, width - labelWidth - valueRoom)
        let height = top + rowHeight * Double(categories.count) + 8
        let maximum = series.flatMap(\.values).filter(\.isFinite).max() ?? 0
        let scale = maximum > 0 ? plotWidth / maximum : 0

        var canvas = SVGCanvas(width: width, height: height, title: title)
        drawLegend(&canvas, series: series, x: labelWidth, y: 14)
        canvas.line(x1: labelWidth, y1: top - 4, x2: labelWidth, y2: height - 6, stroke: axisColor)
        for (row, category) in categories.enumerated() {
            let rowTop = top + Double(row) * rowHeight
            canvas.text(
                shortened(category, toWidth: labelWidth - 10), x: labelWidth - 8,
                y: rowTop + rowHeight / 2 + 4 - 6, anchor: .end)
            for (index, entry) in series.enumerated() {
                let value = row < entry.values.count && entry.values[row].isFinite ? entry.values[row] : 0
                let y = rowTop + Double(index) * (barHeight + 2)
                let length = max(value * scale, value > 0 ? 1 : 0)
                canvas.rect(
                    x: labelWidth, y: y, width: length, height: barHeight, fill: entry.color,
                    tooltip: "\(category) · \(entry.name): \(format(value))")
                canvas.text(format(value), x: labelWidth + length + 5, y: y + barHeight - 4, size: 11)
            }
        }
        return canvas.render()
    }

    // MARK: - Lines

    /// A line over `x` with dots; the point at `highlightedX`, if any, is marked by a ring and a dashed rule.
    static func lineChart(
        title: String, x: [Double], series: Series, xTitle: String, yTitle: String, highlightedX: Double? = nil,
        width: Double = 440, height: Double = 280
    ) -> String {
        let left = 62.0
        let right = 16.0
        let top = 28.0
        let bottom = 46.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        var canvas = SVGCanvas(width: width, height: height, title: title)
        canvas.text(title, x: left, y: 16, size: 13, isBold: true)

        let points = zip(x, series.values).filter { $0.0.isFinite && $0.1.isFinite }
        guard let xMin = points.map(\.0).min(), let xMax = points.map(\.0).max(),
            let yLow = points.map(\.1).min(), let yHigh = points.map(\.1).max()
        else {
            canvas.text("no data", x: width / 2, y: height / 2, anchor: .middle)
            return canvas.render()
        }
        let yTicks = niceTicks(low: yLow, high: yHigh, count: 5)
        let yMin = yTicks.first ?? yLow
        let yMax = yTicks.last ?? yHigh
        let xSpan = xMax > xMin ? xMax - xMin : 1
        let ySpan = yMax > yMin ? yMax - yMin : 1
        func position(_ point: (Double, Double)) -> (x: Double, y: Double) {
            (
                left + (xMax > xMin ? (point.0 - xMin) / xSpan * plotWidth : plotWidth / 2),
                top + plotHeight - (point.1 - yMin) / ySpan * plotHeight
            )
        }

        for (tick, label) in zip(yTicks, tickLabels(yTicks)) {
            let y = top + plotHeight - (tick - yMin) / ySpan * plotHeight
            canvas.line(x1: left, y1: y, x2: left + plotWidth, y2: y, stroke: gridColor)
            canvas.text(label, x: left - 6, y: y + 4, anchor: .end, size: 11)
        }
        for value in Set(points.map(\.0)).sorted() {
            let tickX = position((value, yMin)).x
            canvas.line(
                x1: tickX, y1: top + plotHeight, x2: tickX, y2: top + plotHeight + 4, stroke: axisColor)
            canvas.text(Markup.compact(value), x: tickX, y: top + plotHeight + 17, anchor: .middle, size: 11)
        }
        canvas.line(x1: left, y1: top + plotHeight, x2: left + plotWidth, y2: top + plotHeight, stroke: axisColor)
        canvas.line(x1: left, y1: top, x2: left, y2: top + plotHeight, stroke: axisColor)
        canvas.text(xTitle, x: left + plotWidth / 2, y: height - 8, anchor: .middle)
        canvas.text(yTitle, x: 14, y: top + plotHeight / 2, anchor: .middle, rotation: -90)

        if let highlightedX, highlightedX.isFinite {
            let markX = position((highlightedX, yMin)).x
            canvas.line(
                x1: markX, y1: top, x2: markX, y2: top + plotHeight, stroke: "#c0392b", strokeWidth: 1.2,
                dashed: true)
        }
        canvas.polyline(points.map(position), stroke: series.color)
        for point in points {
            let spot = position(point)
            let isHighlighted = point.0 == highlightedX
            canvas.circle(
                x: spot.x, y: spot.y, radius: isHighlighted ? 6 : 3.5, fill: isHighlighted ? "#fff" : series.color,
                stroke: isHighlighted ? "#c0392b" : nil,
                tooltip: "\(xTitle) \(Markup.compact(point.0)): \(series.name) \(Markup.decimal(point.1, digits: 4))")
            if isHighlighted {
                canvas.text(
                    "chosen", x: spot.x + 9, y: max(top + 10, spot.y - 9), size: 11, fill: "#c0392b", isBold: true)
            }
        }
        return canvas.render()
    }

    // MARK: - Heat maps

    /// A grid of coloured cells with the values printed in them, rows labelled on the left, columns on top.
    static func heatMap(_ map: HeatMap, cellWidth requestedCellWidth: Double = 86, cellHeight: Double = 30) -> String {
        let rowLabelWidth = min(300, max(60, longestLabel(map.rowLabels + [map.rowTitle]) * font * 0.6 + 14))
        let cellWidth = max(requestedCellWidth, map.columnLabels.count > 8 ? 56 : requestedCellWidth)
        let longestColumn = longestLabel(map.columnLabels) * font * 0.6
        let rotatesColumns = longestColumn > cellWidth - 8
        let labelHeight = rotatesColumns ? min(maximumRotatedLabel, longestColumn) * 0.65 + 16 : 24
        let headerHeight = labelHeight + (map.columnTitle.isEmpty ? 0 : 18)
        // Labels rotated by 40° reach about 0.77 of their length to the right of the last column's centre.
        let overhang = rotatesColumns ? max(0, min(maximumRotatedLabel, longestColumn) * 0.77 - cellWidth / 2) : 0
        let width = rowLabelWidth + cellWidth * Double(map.columnLabels.count) + 16 + overhang
        let height = headerHeight + cellHeight * Double(map.rowLabels.count) + 8
        var canvas = SVGCanvas(width: width, height: height, title: map.title)

        if !map.columnTitle.isEmpty {
            canvas.text(
                map.columnTitle, x: rowLabelWidth + cellWidth * Double(map.columnLabels.count) / 2, y: 14,
                anchor: .middle, isBold: true)
        }
        if !map.rowTitle.isEmpty {
            canvas.text(map.rowTitle, x: rowLabelWidth - 8, y: headerHeight - 8, anchor: .end, isBold: true)
        }
        for (column, label) in map.columnLabels.enumerated() {
            let centre = rowLabelWidth + (Double(column) + 0.5) * cellWidth
            if rotatesColumns {
                canvas.text(
                    shortened(label, toWidth: maximumRotatedLabel), x: centre - 2, y: headerHeight - 6,
                    rotation: -40)
            } else {
                canvas.text(
                    shortened(label, toWidth: cellWidth - 4), x: centre, y: headerHeight - 8, anchor: .middle)
            }
        }
        for (row, label) in map.rowLabels.enumerated() {
            let y = headerHeight + Double(row) * cellHeight
            canvas.text(
                shortened(label, toWidth: rowLabelWidth - 12), x: rowLabelWidth - 8, y: y + cellHeight / 2 + 4,
                anchor: .end)
            for column in map.columnLabels.indices {
                let x = rowLabelWidth + Double(column) * cellWidth
                let value = row < map.values.count && column < map.values[row].count ? map.values[row][column] : nil
                let tooltip = map.tooltip?(row, column)
                guard let value, value.isFinite else {
                    canvas.rect(
                        x: x, y: y, width: cellWidth, height: cellHeight, fill: "#eeeeee", stroke: "#fff",
                        tooltip: tooltip)
                    canvas.text("–", x: x + cellWidth / 2, y: y + cellHeight / 2 + 4, anchor: .middle, fill: "#999")
                    continue
                }
                let colour = map.scale.color(value)
                canvas.rect(
                    x: x, y: y, width: cellWidth, height: cellHeight, fill: colour.hex, stroke: "#fff",
                    tooltip: tooltip)
                canvas.text(
                    map.cellText(value), x: x + cellWidth / 2, y: y + cellHeight / 2 + 4, anchor: .middle,
                    size: 11.5, fill: colour.isDark ? "#ffffff" : "#222222")
            }
        }
        return canvas.render()
    }

    // MARK: - Helpers

    /// Round tick values covering `low…high`, about `count` of them.
    static func niceTicks(low: Double, high: Double, count: Int) -> [Double] {
        guard low.isFinite, high.isFinite else { return [] }
        var lower = low
        var upper = high
        if upper <= lower {
            let pad = lower == 0 ? 1 : abs(lower) * 0.1
            lower -= pad
            upper += pad
        }
        let rough = (upper - lower) / Double(max(1, count - 1))
        var power = 1.0
        while power * 10 <= rough { power *= 10 }
        while power > rough { power /= 10 }
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= rough } ?? power * 10
        let first = (lower / step).rounded(.down) * step
        var ticks: [Double] = []
        var tick = first
        while tick < upper + step * 0.999 && ticks.count < 20 {
            ticks.append(abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
        return ticks
    }

    /// Labels for evenly spaced `ticks`: as few decimals as tell them apart exactly, large values compact.
    static func tickLabels(_ ticks: [Double]) -> [String] {
        guard ticks.count > 1 else { return ticks.map(Markup.compact) }
        let step = abs(ticks[1] - ticks[0])
        if ticks.map(abs).max() ?? 0 >= 1e4 { return ticks.map(Markup.compact) }
        var scale = 1.0
        for digits in 0...6 {
            let exact = ticks.allSatisfy { abs(($0 * scale).rounded() / scale - $0) <= step * 1e-6 }
            if exact { return ticks.map { Markup.decimal($0, digits: digits) } }
            scale *= 10
        }
        return ticks.map { Markup.decimal($0, digits: 6) }
    }

    /// `label`, cut with an ellipsis to fit about `width` units of 12-point text.
    static func shortened(_ label: String, toWidth width: Double) -> String {
        let limit = max(4, Int(width / (font * 0.6)))
        guard label.count > limit else { return label }
        return String(label.prefix(limit - 1)) + "…"
    }

    private static func longestLabel(_ labels: [String]) -> Double {
        Double(labels.map(\.count).max() ?? 0)
    }

    private static func drawLegend(_ canvas: inout SVGCanvas, series: [Series], x: Double, y: Double) {
        guard series.count > 1 else { return }
        var offset = x
        for entry in series {
            canvas.rect(x: offset, y: y - 10, width: 12, height: 12, fill: entry.color)
            canvas.text(entry.name, x: offset + 17, y: y)
            offset += 17 + Double(entry.name.count) * font * 0.6 + 24
        }
    }
}
