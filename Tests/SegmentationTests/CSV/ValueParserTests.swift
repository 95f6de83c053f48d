import Testing

@testable import Segmentation

@Suite struct ValueParserTests {
    /// `yyyy-MM-dd` is looked up in a table of month starts for 1900 to 2155: every day of those years and of the
    /// years either side, and impossible days and months, give what the calendar arithmetic gives.
    @Test func isoDatesAgreeWithTheCalendarArithmeticInsideAndOutsideTheTable() {
        var mismatches: [String] = []
        let years = [1, 1000, 1600, 1899, 1900, 1901, 1999, 2000, 2024, 2100, 2154, 2155, 2156, 2157, 9999]
        for year in years {
            for month in 0...13 {
                for day in 0...32 {
                    let text = "\(String(year).leftPadded(to: 4))-\(String(month).leftPadded(to: 2))-"
                        + String(day).leftPadded(to: 2)
                    let expected = ValueParser.days(year: year, month: month, day: day)
                    if ValueParser.date(text) != expected { mismatches.append(text) }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
        #expect(ValueParser.date("2024-02-29") == 19_782)
        #expect(ValueParser.date("1900-02-29") == nil)
        #expect(ValueParser.date("2000-02-29") == 11_016)
        #expect(ValueParser.date("1970-01-01") == 0)
    }

    @Test(arguments: [
        ("1234.56", DecimalStyle.auto, 1234.56 as Double?),
        ("1.234,56", .auto, 1234.56),
        ("1,234.56", .auto, 1234.56),
        ("-12,5", .auto, -12.5),
        ("1234", .auto, 1234),
        ("12,50", .auto, 12.5),
        ("1.234", .auto, 1.234),
        ("1,234", .auto, 1.234),
        ("1.234.567", .auto, 1_234_567),
        ("1,234,567.89", .auto, 1_234_567.89),
        ("1.234.567,89", .auto, 1_234_567.89),
        ("1 234,56", .auto, 1234.56),
        ("1'234.56", .auto, 1234.56),
        ("  42.10  ", .auto, 42.1),
        ("€ 12,50", .auto, 12.5),
        ("12,50 €", .auto, 12.5),
        ("12.50EUR", .auto, 12.5),
        ("EUR 1.234,56", .auto, 1234.56),
        ("-€12.00", .auto, -12),
        ("€-12.00", .auto, -12),
        ("$1,234.50", .auto, 1234.5),
        ("CHF 99.90", .auto, 99.9),
        ("+3", .auto, 3),
        (".5", .auto, 0.5),
        ("0.1", .auto, 0.1),
        ("0.30", .auto, 0.3),
        ("12,3x", .auto, nil),
        ("", .auto, nil),
        ("   ", .auto, nil),
        ("-", .auto, nil),
        ("EUR", .auto, nil),
        ("1.2.3,4.5", .auto, nil),
        ("12,34,5", .auto, nil),
        ("1234,567.5", .auto, nil),
        ("1,23.4", .auto, nil),
        ("abc", .auto, nil),
        ("1e5", .auto, nil),
        ("1.234", .comma, 1234),
        ("1.234,5", .comma, 1234.5),
        ("12,5", .comma, 12.5),
        ("1,234.5", .comma, nil),
        ("1,234", .point, 1234),
        ("1,234.5", .point, 1234.5),
        ("12,5", .point, nil),
        ("1.234,5", .point, nil),
        ("12345678901234567890.5", .auto, 12_345_678_901_234_567_890.5),
        ("0.000000000000000000000000123", .auto, 1.23e-25),
    ])
    func decimalParses(_ text: String, style: DecimalStyle, expected: Double?) {
        #expect(ValueParser.decimal(text, style: style) == expected)
    }

    @Test func decimalMatchesStandardLibraryRounding() {
        var random = SyntheticRandom(seed: 3)
        for _ in 0..<20_000 {
            let cents = random.below(100_000_000)
            let text = "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
            #expect(ValueParser.decimal(text) == Double(text), "\(text)")
        }
    }

    @Test(arguments: [
        ("42", 42 as Int64?), ("-7", -7), ("+3", 3), (" 12 ", 12), ("0007", 7),
        ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
        ("9223372036854775808", nil), ("", nil), ("-", nil), ("1.5", nil), ("12a", nil), ("1 2", nil),
    ])
    func integerParses(_ text: String, expected: Int64?) {
        #expect(ValueParser.integer(text) == expected)
    }

    @Test(arguments: [
        ("1970-01-01", DateFormat.auto, 0 as Int32?),
        ("2024-12-31", .auto, 20_088),
        ("31.12.2024", .auto, 20_088),
        ("1.2.2024", .auto, 19_754),
        ("01.02.2024", .auto, 19_754),
        ("12/31/2024", .auto, 20_088),
        ("2/1/2024", .auto, 19_754),
        ("20241231", .auto, 20_088),
        ("2024/12/31", .auto, 20_088),
        ("1969-12-31", .auto, -1),
        ("2000-02-29", .auto, 11_016),
        ("2024-02-29", .auto, 19_782),
        ("29.02.2024", .auto, 19_782),
        (" 2024-03-01 ", .auto, 19_783),
        ("2024-03-01T10:15:00Z", .auto, 19_783),
        ("01.03.2024 23:59", .auto, 19_783),
        ("31.02.2024", .auto, nil),
        ("29.02.2023", .auto, nil),
        ("1900-02-29", .auto, nil),
        ("2024-13-01", .auto, nil),
        ("2024-00-10", .auto, nil),
        ("2024-04-31", .auto, nil),
        ("0.0.2024", .auto, nil),
        ("31.12.24", .auto, nil),
        ("2024-12-31x", .auto, nil),
        ("2024-12-31T25:00", .auto, nil),
        ("", .auto, nil),
        ("yesterday", .auto, nil),
        ("2024123", .auto, nil),
        ("2024-12-31", .iso, 20_088),
        ("31.12.2024", .iso, nil),
        ("31.12.2024", .german, 20_088),
        ("2024-12-31", .german, nil),
        ("12/31/2024", .us, 20_088),
        ("31/12/2024", .us, nil),
        ("20241231", .compact, 20_088),
        ("2024-12-31", .compact, nil),
    ])
    func dateParses(_ text: String, format: DateFormat, expected: Int32?) {
        #expect(ValueParser.date(text, format: format) == expected)
    }

    /// Plain decimals (`[-]digits[.digits]`) and ten-byte ISO dates take short paths; with a leading space the
    /// same values go through the general parsers. Both must agree on every value, valid or not.
    @Test func shortPathsAgreeWithTheGeneralParsers() {
        var random = SyntheticRandom(seed: 11)
        let edgeCases = [
            "-", ".5", "5.", "-.5", "1.2.3", "0", "-0", "00012.50", "123456789012345", "1234567890123456",
            "12345678901234.5", "9007199254740993", "1e5", "1,5", "--1",
        ]
        var decimals = edgeCases
        for _ in 0..<20_000 {
            let digits = (0..<(1 + random.below(16))).map { _ in String(random.below(10)) }.joined()
            let point = random.below(digits.count + 1)
            let text = random.below(2) == 0 ? digits : "\(digits.prefix(point)).\(digits.dropFirst(point))"
            decimals.append(random.below(4) == 0 ? "-" + text : text)
        }
        for text in decimals {
            for style in DecimalStyle.allCases {
                let general = ValueParser.decimal(" " + text, style: style)
                let short = ValueParser.decimal(text, style: style)
                #expect(short?.bitPattern == general?.bitPattern, "\(text) \(style)")
            }
        }
        var dates = [
            "2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31", "2024-13-01", "2024-00-10", "2024-04-31",
            "2024/02/01", "2024-1-015", "20240201xx", "2024-02-3x",
        ]
        for _ in 0..<20_000 {
            let year = String(random.below(10_000)).leftPadded(to: 4)
            let month = String(random.below(14)).leftPadded(to: 2)
            let day = String(random.below(33)).leftPadded(to: 2)
            dates.append("\(year)-\(month)-\(day)")
        }
        for text in dates {
            for format in [DateFormat.auto, .iso] {
                #expect(
                    ValueParser.date(text, format: format) == ValueParser.date(" " + text, format: format), "\(text)")
            }
        }
    }

    @Test func everyDayRoundTripsThroughCivilDates() {
        // 1900-01-01 … 2100-12-31: parsing the generator's own formatting gives back the day.
        for day in Int32(-25_567)...Int32(47_846) {
            let (year, month, dayOfMonth) = CalendarDate.civil(day)
            #expect(ValueParser.days(year: year, month: month, day: dayOfMonth) == day)
        }
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0 as Int64?),
        ("2024-03-01", 1_709_251_200_000_000),
        ("2024-03-01T10:15:30Z", 1_709_288_130_000_000),
        ("2024-03-01T10:15:30", 1_709_288_130_000_000),
        ("2024-03-01 10:15:30", 1_709_288_130_000_000),
        ("2024-03-01T10:15:30.250Z", 1_709_288_130_250_000),
        ("2024-03-01T10:15:30.123456789Z", 1_709_288_130_123_456),
        ("2024-03-01T10:15:30,5Z", 1_709_288_130_500_000),
        ("2024-03-01T11:15:30+01:00", 1_709_288_130_000_000),
        ("2024-03-01T11:15:30+0100", 1_709_288_130_000_000),
        ("2024-03-01T05:15:30-05", 1_709_288_130_000_000),
        ("2024-03-01 10:15:30 UTC", 1_709_288_130_000_000),
        ("01.03.2024 10:15", 1_709_288_100_000_000),
        ("1.3.2024 9:05", 1_709_283_900_000_000),
        ("20240301", 1_709_251_200_000_000),
        ("2024-03-01T00:30:00+02:00", 1_709_245_800_000_000),
        ("1969-12-31T23:59:59Z", -1_000_000),
        ("2024-02-30T09:00:00Z", nil),
        ("2024-03-01T24:00:00Z", nil),
        ("2024-03-01T10:60:00Z", nil),
        ("2024-03-01T10:15:61Z", nil),
        ("2024-03-01T10:15:30.Z", nil),
        ("2024-03-01T10:15:30.1234567890Z", nil),
        ("2024-03-01T10:15:30Q", nil),
        ("2024-03-01T10", nil),
        ("2024-03-01X10:15", nil),
        ("", nil),
    ])
    func timestampParses(_ text: String, expected: Int64?) {
        #expect(ValueParser.timestamp(text) == expected)
    }
}

extension String {
    /// The string with leading zeros up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
