extension ValueParser {
    /// Microseconds in one day.
    static let microsecondsPerDay: Int64 = 86_400_000_000

    // MARK: - Dates

    /// A calendar date as days since 1970-01-01, or `nil` when the text is no real date (`31.02.2024`).
    ///
    /// A time of day after the date (`2024-03-01T10:00:00Z`, `01.03.2024 10:00`) is accepted and ignored:
    /// the date is taken as written, without converting a time zone.
    public static func date(_ bytes: UnsafeBufferPointer<UInt8>, format: DateFormat = .auto) -> Int32? {
        guard let base = bytes.baseAddress else { return nil }
        if bytes.count == 10, format == .auto || format == .iso, let days = isoDate(base) { return days }
        let (start, end) = trimmedRange(base, 0, bytes.count)
        guard start < end, let (days, next) = parseDate(base, start, end, format: format) else { return nil }
        if next == end { return days }
        guard parseTimeOfDay(base, next, end) != nil else { return nil }
        return days
    }

    /// Parses ``date(_:format:)-(UnsafeBufferPointer<UInt8>,_)`` from a string.
    public static func date(_ text: String, format: DateFormat = .auto) -> Int32? {
        withBytes(text) { date($0, format: format) }
    }

    /// A point in time as microseconds since 1970-01-01T00:00:00Z.
    ///
    /// Accepted: a date in `format` alone (midnight UTC), or followed by `T` or spaces and
    /// `HH:mm[:ss[.ffffff]]` (one-digit hours allowed, fraction of up to 9 digits, truncated to microseconds)
    /// and an optional zone `Z`, `UTC`, `GMT`, `±HH:MM`, `±HHMM` or `±HH`; without a zone the time is UTC.
    /// Examples: `2024-03-01T10:15:30.250+01:00`, `2024-03-01 10:15:30`, `01.03.2024 10:15`.
    public static func timestamp(_ bytes: UnsafeBufferPointer<UInt8>, format: DateFormat = .auto) -> Int64? {
        guard let base = bytes.baseAddress else { return nil }
        let (start, end) = trimmedRange(base, 0, bytes.count)
        guard start < end, let (days, next) = parseDate(base, start, end, format: format) else { return nil }
        let dayStart = Int64(days) * microsecondsPerDay
        if next == end { return dayStart }
        guard let offset = parseTimeOfDay(base, next, end) else { return nil }
        return dayStart + offset
    }

    /// Parses ``timestamp(_:format:)-(UnsafeBufferPointer<UInt8>,_)`` from a string.
    public static func timestamp(_ text: String, format: DateFormat = .auto) -> Int64? {
        withBytes(text) { timestamp($0, format: format) }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date, or `nil` when the date does not exist.
    public static func days(year: Int, month: Int, day: Int) -> Int32? {
        guard year >= 1 && year <= 9999, month >= 1 && month <= 12, day >= 1 else { return nil }
        let length: Int
        switch month {
        case 2: length = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: length = 30
        default: length = 31
        }
        guard day <= length else { return nil }
        return CalendarDate.days(year: year, month: month, day: day)
    }

    /// The common case on its own: exactly `yyyy-MM-dd` at `base` (ten bytes), else nil (the general parser then
    /// decides). Gives what ``parseDate`` gives for such a value.
    @inline(__always)
    private static func isoDate(_ base: UnsafePointer<UInt8>) -> Int32? {
        guard base[4] == UInt8(ascii: "-"), base[7] == UInt8(ascii: "-") else { return nil }
        @inline(__always) func digit(_ index: Int) -> Int? {
            let digit = base[index] &- 0x30
            return digit < 10 ? Int(digit) : nil
        }
        guard let y0 = digit(0), let y1 = digit(1), let y2 = digit(2), let y3 = digit(3), let m0 = digit(5),
            let m1 = digit(6), let d0 = digit(8), let d1 = digit(9)
        else { return nil }
        let year = ((y0 * 10 + y1) * 10 + y2) * 10 + y3
        let month = m0 * 10 + m1
        let day = d0 * 10 + d1
        let index = (year &- monthTableFirstYear) &* 12 &+ month &- 1
        guard year >= monthTableFirstYear, month >= 1, month <= 12, index < monthTableCount else {
            return days(year: year, month: month, day: day)
        }
        return monthStarts.withUnsafeBufferPointer { starts in
            let first = starts[index]
            return day >= 1 && day <= Int(starts[index + 1] - first) ? first + Int32(day - 1) : nil
        }
    }

    /// The first year of ``monthStarts``.
    private static let monthTableFirstYear = 1900
    /// Months in ``monthStarts`` (256 years).
    private static let monthTableCount = 256 * 12
    /// Days since 1970-01-01 of the first of each month from January 1900 on, with one more entry than months, so
    /// that a month's length is the distance to the next: a lookup in place of the calendar arithmetic of
    /// ``days(year:month:day:)`` for the dates of business data.
    private static let monthStarts: [Int32] = (0...monthTableCount).map {
        CalendarDate.days(year: monthTableFirstYear + $0 / 12, month: $0 % 12 + 1, day: 1)
    }

    // MARK: - Pieces

    /// Reads `minimum...maximum` ASCII digits at `index`; returns the value and the index after them.
    @inline(__always)
    private static func digits(
        _ base: UnsafePointer<UInt8>, _ index: Int, _ end: Int, minimum: Int, maximum: Int,
        allowsMoreDigits: Bool = false
    ) -> (value: Int, next: Int)? {
        var value = 0
        var cursor = index
        while cursor < end && cursor - index < maximum {
            let digit = base[cursor] &- 0x30
            guard digit < 10 else { break }
            value = value * 10 + Int(digit)
            cursor += 1
        }
        guard cursor - index >= minimum else { return nil }
        if !allowsMoreDigits && cursor < end && cursor - index == maximum && base[cursor] &- 0x30 < 10 { return nil }
        return (value, cursor)
    }

    /// Parses the date at `start`; returns its days and the index after it.
    private static func parseDate(
        _ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int, format: DateFormat
    ) -> (Int32, Int)? {
        var format = format
        if format == .auto {
            var cursor = start
            while cursor < end && base[cursor] &- 0x30 < 10 { cursor += 1 }
            let digitRun = cursor - start
            let separator: UInt8 = cursor < end ? base[cursor] : 0
            if digitRun == 4 && (separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/")) {
                format = .iso
            } else if digitRun == 8 {
                format = .compact
            } else if separator == UInt8(ascii: ".") {
                format = .german
            } else if separator == UInt8(ascii: "/") {
                format = .us
            } else {
                return nil
            }
        }
        let year: Int
        let month: Int
        let day: Int
        let next: Int
        switch format {
        case .iso, .auto:
            guard let y = digits(base, start, end, minimum: 4, maximum: 4), y.next < end else { return nil }
            let separator = base[y.next]
            guard separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/"),
                let m = digits(base, y.next + 1, end, minimum: 1, maximum: 2), m.next < end,
                base[m.next] == separator,
                let d = digits(base, m.next + 1, end, minimum: 1, maximum: 2)
            else { return nil }
            (year, month, day, next) = (y.value, m.value, d.value, d.next)
        case .german:
            guard let d = digits(base, start, end, minimum: 1, maximum: 2), d.next < end,
                base[d.next] == UInt8(ascii: "."),
                let m = digits(base, d.next + 1, end, minimum: 1, maximum: 2), m.next < end,
                base[m.next] == UInt8(ascii: "."),
                let y = digits(base, m.next + 1, end, minimum: 4, maximum: 4)
            else { return nil }
            (year, month, day, next) = (y.value, m.value, d.value, y.next)
        case .us:
            guard let m = digits(base, start, end, minimum: 1, maximum: 2), m.next < end,
                base[m.next] == UInt8(ascii: "/"),
                let d = digits(base, m.next + 1, end, minimum: 1, maximum: 2), d.next < end,
                base[d.next] == UInt8(ascii: "/"),
                let y = digits(base, d.next + 1, end, minimum: 4, maximum: 4)
            else { return nil }
            (year, month, day, next) = (y.value, m.value, d.value, y.next)
        case .compact:
            guard let all = digits(base, start, end, minimum: 8, maximum: 8) else { return nil }
            (year, month, day, next) = (all.value / 10_000, all.value / 100 % 100, all.value % 100, all.next)
        }
        guard let days = days(year: year, month: month, day: day) else { return nil }
        return (days, next)
    }

    /// Parses `(T|space+)HH:mm[:ss[.fraction]][zone]` running to `end`; returns microseconds after midnight UTC
    /// (negative or beyond a day when the zone shifts the date).
    private static func parseTimeOfDay(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var cursor = start
        if base[cursor] == UInt8(ascii: "T") || base[cursor] == UInt8(ascii: "t") {
            cursor += 1
        } else {
            guard base[cursor] == 0x20 else { return nil }
            while cursor < end && base[cursor] == 0x20 { cursor += 1 }
        }
        guard let hour = digits(base, cursor, end, minimum: 1, maximum: 2), hour.value < 24, hour.next < end,
            base[hour.next] == UInt8(ascii: ":"),
            let minute = digits(base, hour.next + 1, end, minimum: 2, maximum: 2), minute.value < 60
        else { return nil }
        cursor = minute.next
        var seconds = 0
        var micros: Int64 = 0
        if cursor < end && base[cursor] == UInt8(ascii: ":") {
            guard let second = digits(base, cursor + 1, end, minimum: 2, maximum: 2), second.value < 60 else {
                return nil
            }
            seconds = second.value
            cursor = second.next
            if cursor < end && (base[cursor] == UInt8(ascii: ".") || base[cursor] == UInt8(ascii: ",")) {
                cursor += 1
                var fractionDigits = 0
                while cursor < end && base[cursor] &- 0x30 < 10 {
                    if fractionDigits < 6 { micros = micros * 10 + Int64(base[cursor] &- 0x30) }
                    fractionDigits += 1
                    cursor += 1
                }
                guard fractionDigits >= 1 && fractionDigits <= 9 else { return nil }
                var scale = fractionDigits
                while scale < 6 {
                    micros *= 10
                    scale += 1
                }
            }
        }
        var offsetSeconds = 0
        while cursor < end && base[cursor] == 0x20 { cursor += 1 }
        if cursor < end {
            let byte = base[cursor]
            if (byte == UInt8(ascii: "Z") || byte == UInt8(ascii: "z")) && cursor + 1 == end {
                cursor += 1
            } else if end - cursor == 3 && (matches(base, cursor, "UTC") || matches(base, cursor, "GMT")) {
                cursor += 3
            } else if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                guard let zoneHour = digits(base, cursor + 1, end, minimum: 2, maximum: 2, allowsMoreDigits: true),
                    zoneHour.value <= 18
                else { return nil }
                cursor = zoneHour.next
                var zoneMinute = 0
                if cursor < end && base[cursor] == UInt8(ascii: ":") { cursor += 1 }
                if cursor < end {
                    guard let minutes = digits(base, cursor, end, minimum: 2, maximum: 2), minutes.value < 60 else {
                        return nil
                    }
                    zoneMinute = minutes.value
                    cursor = minutes.next
                }
                offsetSeconds = (zoneHour.value * 60 + zoneMinute) * 60
                if byte == UInt8(ascii: "-") { offsetSeconds = -offsetSeconds }
            } else {
                return nil
            }
        }
        guard cursor == end else { return nil }
        let secondOfDay = Int64((hour.value * 60 + minute.value) * 60 + seconds - offsetSeconds)
        return secondOfDay * 1_000_000 + micros
    }

    @inline(__always)
    private static func matches(_ base: UnsafePointer<UInt8>, _ index: Int, _ word: StaticString) -> Bool {
        var offset = 0
        let bytes = word.utf8Start
        while offset < word.utf8CodeUnitCount {
            guard base[index + offset] == bytes[offset] else { return false }
            offset += 1
        }
        return true
    }
}
