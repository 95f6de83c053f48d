/// A minimal SVG drawing surface: shapes and text appended in paint order, every string escaped.
///
/// Coordinates are user units with the origin at the top left; the rendered `<svg>` scales to the width of
/// its container (`viewBox`) and carries a `<title>` and `role="img"` so it reads as one labelled image.
/// It is meant to be inlined in an HTML page, so it has no namespace declaration (HTML adds it).
struct SVGCanvas {
    /// Horizontal alignment of text relative to its anchor point.
    enum Anchor: String {
        case start, middle, end
    }

    /// Width in user units.
    let width: Double
    /// Height in user units.
    let height: Double
    private let title: String
    private var elements: [String] = []

    /// Creates an empty canvas; `title` labels the image for screen readers and as a tooltip.
    init(width: Double, height: Double, title: String) {
        self.width = width
        self.height = height
        self.title = title
    }

    /// A rectangle, optionally with a tooltip.
    mutating func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
        tooltip: String? = nil
    ) {
        var element =
            "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" width=\"\(Self.number(max(0, width)))\""
            + " height=\"\(Self.number(max(0, height)))\" fill=\"\(Markup.escape(fill))\""
        if let stroke { element += " stroke=\"\(Markup.escape(stroke))\"" }
        if let tooltip {
            element += "><title>\(Markup.escape(tooltip))</title></rect>"
        } else {
            element += "/>"
        }
        elements.append(element)
    }

    /// A straight line.
    mutating func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, strokeWidth: Double = 1,
        dashed: Bool = false
    ) {
        var element =
            "<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\""
            + " y2=\"\(Self.number(y2))\" stroke=\"\(Markup.escape(stroke))\""
            + " stroke-width=\"\(Self.number(strokeWidth))\""
        if dashed { element += " stroke-dasharray=\"5 4\"" }
        elements.append(element + "/>")
    }

    /// An open polyline through `points`.
    mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, strokeWidth: Double = 2) {
        guard points.count > 1 else { return }
        let list = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        elements.append(
            "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(Markup.escape(stroke))\""
                + " stroke-width=\"\(Self.number(strokeWidth))\" stroke-linejoin=\"round\"/>")
    }

    /// A circle, optionally with a tooltip.
    mutating func circle(
        x: Double, y: Double, radius: Double, fill: String, stroke: String? = nil, tooltip: String? = nil
    ) {
        var element =
            "<circle cx=\"\(Self.number(x))\" cy=\"\(Self.number(y))\" r=\"\(Self.number(radius))\""
            + " fill=\"\(Markup.escape(fill))\""
        if let stroke { element += " stroke=\"\(Markup.escape(stroke))\" stroke-width=\"2\"" }
        if let tooltip {
            element += "><title>\(Markup.escape(tooltip))</title></circle>"
        } else {
            element += "/>"
        }
        elements.append(element)
    }

    /// A path of straight segments: `points` joined in order (a dendrogram link, for example).
    mutating func path(_ points: [(x: Double, y: Double)], stroke: String, strokeWidth: Double = 1.5) {
        guard let first = points.first else { return }
        var data = "M\(Self.number(first.x)) \(Self.number(first.y))"
        for point in points.dropFirst() { data += " L\(Self.number(point.x)) \(Self.number(point.y))" }
        elements.append(
            "<path d=\"\(data)\" fill=\"none\" stroke=\"\(Markup.escape(stroke))\""
                + " stroke-width=\"\(Self.number(strokeWidth))\"/>")
    }

    /// Text at (`x`, `y`) (the baseline), optionally rotated about that point by `rotation` degrees.
    mutating func text(
        _ text: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12, fill: String = "#333",
        isBold: Bool = false, rotation: Double = 0
    ) {
        var element = "<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" font-size=\"\(Self.number(size))\""
        if anchor != .start { element += " text-anchor=\"\(anchor.rawValue)\"" }
        if fill != "#333" { element += " fill=\"\(Markup.escape(fill))\"" }
        if isBold { element += " font-weight=\"bold\"" }
        if rotation != 0 {
            element += " transform=\"rotate(\(Self.number(rotation)) \(Self.number(x)) \(Self.number(y)))\""
        }
        elements.append(element + ">\(Markup.escape(text))</text>")
    }

    /// The `<svg>` element.
    func render() -> String {
        var svg =
            "<svg viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\""
            + " width=\"\(Self.number(width))\" role=\"img\" aria-label=\"\(Markup.escape(title))\">"
        svg += "<title>\(Markup.escape(title))</title>"
        svg += elements.joined()
        svg += "</svg>"
        return svg
    }

    private static func number(_ value: Double) -> String { Markup.coordinate(value) }
}
