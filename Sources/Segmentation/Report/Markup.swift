/// Escaping and number formatting shared by the HTML page and its SVG charts.
///
/// Every piece of text that comes from data (segment labels, feature names, reject reasons, run ids) goes
/// through ``escape(_:)`` before it reaches the page, in element content and in attribute values alike.
enum Markup {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references, safe in content and attributes.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// An integer with thousands separators: `12,345`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// A fraction as a percentage with `digits` decimals: `0.1234` → `12.3%`.
    static func percent(_ fraction: Double, digits: Int = 1) -> String {
        decimal(fraction * 100, digits: digits) + "%"
    }

    /// A number with a fixed number of decimals, without locale effects; `–` for NaN or infinity.
    static func decimal(_ value: Double, digits: Int = 2) -> String {
        guard value.isFinite else { return "–" }
        var scale = 1.0
        for _ in 0..<max(0, digits) { scale *= 10 }
        let rounded = (abs(value) * scale).rounded()
        guard rounded < 1e15 else { return compact(value) }
        let whole = Int(rounded / scale)
        let fraction = Int(rounded - Double(whole) * scale)
        let sign = value < 0 && rounded > 0 ? "-" : ""
        guard digits > 0 else { return sign + count(whole) }
        var fractionText = String(fraction)
        while fractionText.count < digits { fractionText = "0" + fractionText }
        return sign + count(whole) + "." + fractionText
    }

    /// A short rendering for axis ticks: `0.25`, `12`, `3.4k`, `1.2M`.
    static func compact(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let magnitude = abs(value)
        if magnitude >= 1e9 { return decimal(value / 1e9, digits: 1) + "G" }
        if magnitude >= 1e6 { return decimal(value / 1e6, digits: 1) + "M" }
        if magnitude >= 1e4 { return decimal(value / 1e3, digits: 1) + "k" }
        if magnitude >= 100 || value == value.rounded() { return decimal(value, digits: 0) }
        if magnitude >= 1 { return decimal(value, digits: 1) }
        return decimal(value, digits: 2)
    }

    /// A coordinate for SVG attributes: at most two decimals, no exponent.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}
