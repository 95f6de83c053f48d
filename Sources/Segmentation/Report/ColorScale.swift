/// Colours for charts: a categorical palette and sequential and diverging scales for heat maps.
struct ColorScale {
    /// An sRGB colour.
    struct RGB: Equatable {
        var red: Double
        var green: Double
        var blue: Double

        /// `#rrggbb`.
        var hex: String {
            let digits = Array("0123456789abcdef")
            var text = "#"
            for component in [red, green, blue] {
                let byte = Int((min(1, max(0, component)) * 255).rounded())
                text.append(digits[byte / 16])
                text.append(digits[byte % 16])
            }
            return text
        }

        /// Whether dark text would be hard to read on this colour (relative luminance below 0.4).
        var isDark: Bool { 0.2126 * red + 0.7152 * green + 0.0722 * blue < 0.4 }

        /// The colour `fraction` (0…1) of the way from `self` to `other`.
        func mixed(with other: RGB, _ fraction: Double) -> RGB {
            let t = min(1, max(0, fraction))
            return RGB(
                red: red + (other.red - red) * t, green: green + (other.green - green) * t,
                blue: blue + (other.blue - blue) * t)
        }

        init(red: Double, green: Double, blue: Double) {
            self.red = red
            self.green = green
            self.blue = blue
        }

        /// A colour from a 24-bit `0xrrggbb` literal.
        init(_ value: Int) {
            self.init(
                red: Double((value >> 16) & 0xFF) / 255, green: Double((value >> 8) & 0xFF) / 255,
                blue: Double(value & 0xFF) / 255)
        }
    }

    private let stops: [RGB]
    private let domain: ClosedRange<Double>

    /// A scale through `stops`, spread evenly over `domain`; values outside are clamped.
    init(stops: [RGB], domain: ClosedRange<Double>) {
        self.stops = stops.isEmpty ? [RGB(0xFFFFFF)] : stops
        self.domain = domain
    }

    /// Blue (negative) through white (0) to red (positive), symmetric in ±`limit`.
    static func diverging(limit: Double) -> ColorScale {
        let bound = limit > 0 && limit.isFinite ? limit : 1
        return ColorScale(
            stops: [RGB(0x2166AC), RGB(0x92C5DE), RGB(0xF7F7F7), RGB(0xF4A582), RGB(0xB2182B)],
            domain: -bound...bound)
    }

    /// White (0) to dark blue (`maximum`).
    static func sequential(maximum: Double) -> ColorScale {
        let bound = maximum > 0 && maximum.isFinite ? maximum : 1
        return ColorScale(stops: [RGB(0xF7FBFF), RGB(0x9ECAE1), RGB(0x2171B5), RGB(0x08306B)], domain: 0...bound)
    }

    /// The colour of `value`.
    func color(_ value: Double) -> RGB {
        guard value.isFinite, stops.count > 1, domain.upperBound > domain.lowerBound else { return stops[0] }
        let position = (value - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        let scaled = min(1, max(0, position)) * Double(stops.count - 1)
        let index = min(stops.count - 2, Int(scaled))
        return stops[index].mixed(with: stops[index + 1], scaled - Double(index))
    }

    /// Categorical colours (Tableau 10), cycled by index.
    static func categorical(_ index: Int) -> String {
        let palette = [
            "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
            "#bab0ac",
        ]
        return palette[((index % palette.count) + palette.count) % palette.count]
    }
}
