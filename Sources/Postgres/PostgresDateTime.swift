/// Conversions between PostgreSQL's date/time text and binary forms and day/microsecond counts.
enum PostgresDateTime {
    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's binary epoch.
    static let postgresEpochDays: Int32 = 10_957
    /// Microseconds from 1970-01-01 to 2000-01-01.
    static let postgresEpochMicroseconds: Int64 = 946_684_800_000_000
    static let microsecondsPerDay: Int64 = 86_400_000_000

    // MARK: - Civil calendar (proleptic Gregorian; Howard Hinnant's algorithms)

    /// The days since 1970-01-01 of a year, month and day.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The year, month and day of a count of days since 1970-01-01.
    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    // MARK: - Text output (parameters)

    static func dateText(daysSince1970 days: Int32) -> String {
        let (year, month, day) = civil(days: Int(days))
        return datePart(year: year, month: month, day: day)
    }

    static func timestampText(microsecondsSince1970 micros: Int64) -> String {
        let days = micros >= 0 ? micros / microsecondsPerDay : (micros - (microsecondsPerDay - 1)) / microsecondsPerDay
        let rest = micros - days * microsecondsPerDay
        let (year, month, day) = civil(days: Int(days))
        let seconds = rest / 1_000_000
        let fraction = rest % 1_000_000
        return datePart(year: year, month: month, day: day) + " " + pad(Int(seconds / 3600), 2) + ":"
            + pad(Int(seconds / 60 % 60), 2) + ":" + pad(Int(seconds % 60), 2) + "." + pad(Int(fraction), 6) + "+00"
    }

    /// A double in a form PostgreSQL's `float8in` reads back exactly.
    static func floatText(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return "\(value)"
    }

    private static func datePart(year: Int, month: Int, day: Int) -> String {
        // PostgreSQL writes years before 1 AD as "YYYY-MM-DD BC" (year 0 is 1 BC).
        let text = pad(year > 0 ? year : 1 - year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        return year > 0 ? text : text + " BC"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    // MARK: - Text input (results, COPY text)

    /// Parses `YYYY-MM-DD` (ISO DateStyle) into days since 1970-01-01; BC dates and ±infinity give nil.
    static func parseDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        var index = 0
        guard let date = parseDatePart(bytes, &index), index == bytes.count else { return nil }
        return Int32(exactly: date)
    }

    /// Parses an ISO timestamp (`YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]]`) into microseconds since the
    /// Unix epoch; without an offset the value is taken as UTC.
    static func parseTimestamp(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        guard let days = parseDatePart(bytes, &index), index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x54  // ' ' or 'T'
        else { return nil }
        index += 1
        guard let hour = number(bytes, &index, 2), expect(bytes, &index, 0x3A), let minute = number(bytes, &index, 2),
            expect(bytes, &index, 0x3A), let second = number(bytes, &index, 2)
        else { return nil }
        var micros = 0
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            var digits = 0
            while index < bytes.count, let digit = digitValue(bytes[index]) {
                if digits < 6 { micros = micros * 10 + digit }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offsetSeconds = 0
        if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D {
            let sign = bytes[index] == 0x2D ? -1 : 1
            index += 1
            guard let hours = number(bytes, &index, 2) else { return nil }
            var total = hours * 3600
            if expect(bytes, &index, 0x3A) {
                guard let minutes = number(bytes, &index, 2) else { return nil }
                total += minutes * 60
                if expect(bytes, &index, 0x3A) {
                    guard let seconds = number(bytes, &index, 2) else { return nil }
                    total += seconds
                }
            }
            offsetSeconds = sign * total
        } else if index < bytes.count, bytes[index] == 0x5A {  // 'Z'
            index += 1
        }
        guard index == bytes.count, hour < 25, minute < 60, second < 61 else { return nil }
        let secondsOfDay = hour * 3600 + minute * 60 + second - offsetSeconds
        let (total, overflow) = Int64(days).multipliedReportingOverflow(by: microsecondsPerDay)
        guard !overflow else { return nil }
        return total + Int64(secondsOfDay) * 1_000_000 + Int64(micros)
    }

    private static func parseDatePart(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Int? {
        var year = 0
        var digits = 0
        while index < bytes.count, let digit = digitValue(bytes[index]) {
            year = year * 10 + digit
            digits += 1
            index += 1
            if digits > 7 { return nil }
        }
        guard digits >= 4, expect(bytes, &index, 0x2D), let month = number(bytes, &index, 2),
            expect(bytes, &index, 0x2D), let day = number(bytes, &index, 2), (1...12).contains(month),
            (1...31).contains(day)
        else { return nil }
        return days(year: year, month: month, day: day)
    }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ width: Int) -> Int? {
        guard index + width <= bytes.count else { return nil }
        var value = 0
        for offset in 0..<width {
            guard let digit = digitValue(bytes[index + offset]) else { return nil }
            value = value * 10 + digit
        }
        index += width
        return value
    }

    private static func expect(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    @inline(__always)
    private static func digitValue(_ byte: UInt8) -> Int? {
        byte >= 0x30 && byte <= 0x39 ? Int(byte - 0x30) : nil
    }
}
