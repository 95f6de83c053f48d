/// Which character separates the fraction in decimal numbers read from text.
///
/// Thousands separators (the other of `.` and `,`, an apostrophe or a space) are accepted in the integer part
/// only in groups of three digits (`1.234.567,89`); anything else makes the value unparseable.
public enum DecimalStyle: String, Sendable, Codable, Hashable, CaseIterable {
    /// Decided per value:
    /// - both `.` and `,` present: the one that occurs last is the decimal separator (`1.234,56` → 1234.56,
    ///   `1,234.56` → 1234.56), and it must occur once;
    /// - one of them present more than once: it is a thousands separator (`1.234.567` → 1234567);
    /// - one of them present exactly once: it is the decimal separator, whatever follows it
    ///   (`12,5` → 12.5, `1.5` → 1.5, and the ambiguous `1.234` → 1.234 and `1,234` → 1.234).
    ///   A file whose values are written like `1.234` meaning 1234 needs `.comma` (or `.point` for `1,234`).
    case auto
    /// `.` is the decimal separator; `,` may separate thousands (`1,234.56`).
    case point
    /// `,` is the decimal separator; `.` may separate thousands (`1.234,56`).
    case comma
}
