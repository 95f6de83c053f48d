import Foundation

/// Civil-calendar arithmetic on days since 1970-01-01 (proleptic Gregorian, UTC), without Foundation calendars.
public enum CalendarDate {
    /// Days since 1970-01-01 of a civil date.
    public static func days(year: Int, month: Int, day: Int) -> Int32 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Int32(era * 146_097 + doe - 719_468)
    }

    /// The civil date of days since 1970-01-01.
    public static func civil(_ days: Int32) -> (year: Int, month: Int, day: Int) {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `yyyy-MM-dd` of days since 1970-01-01.
    public static func isoString(_ days: Int32) -> String {
        let (year, month, day) = civil(days)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// Parses a strict `yyyy-MM-dd` date, checking the calendar.
    public static func parseISO(_ text: String) -> Int32? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let days = Self.days(year: year, month: month, day: day)
        let back = civil(days)
        guard back.year == year, back.month == month, back.day == day else { return nil }
        return days
    }

    /// Today's date in UTC as days since 1970-01-01.
    public static func today() -> Int32 {
        Int32((Date().timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// An ISO 8601 UTC timestamp with milliseconds, for manifests and logs.
    public static func timestampString() -> String {
        timestampString(Date())
    }

    /// An ISO 8601 UTC timestamp with milliseconds of `date`.
    static func timestampString(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
