/// How calendar dates are written in a text field.
public enum DateFormat: String, Sendable, Codable, Hashable, CaseIterable {
    /// Recognised per value by its shape: `yyyy-MM-dd` or `yyyy/MM/dd` (ISO), `d.M.yyyy` (German),
    /// `M/d/yyyy` (US), `yyyyMMdd` (compact).
    case auto
    /// `yyyy-MM-dd` (also `yyyy/MM/dd`).
    case iso
    /// `dd.MM.yyyy`, day and month with one or two digits (`1.2.2024`).
    case german
    /// `MM/dd/yyyy`, month and day with one or two digits (`2/1/2024`).
    case us
    /// `yyyyMMdd`, eight digits.
    case compact
}
