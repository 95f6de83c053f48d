import Clustering
import Testing

@testable import Segmentation

@Suite struct FieldNormalizerTests {
    @Test func asciiCollapsingAgreesWithTheScalarPath() {
        let alphabet = Array("ab Z\t\n\r\u{0B}\u{0C}-.é\u{00A0}".unicodeScalars)
        var generator = SeededGenerator(seed: 23)
        for _ in 0..<40_000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...10, using: &generator) {
                text.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
            }
            let raw = String(text)
            #expect(TextNormalizer.collapsed(raw) == TextNormalizer.generalCollapsed(raw), "\(raw.debugDescription)")
        }
        #expect(TextNormalizer.collapsed(" Anna  Maria\t") == "Anna Maria")
        #expect(TextNormalizer.collapsed("Anna Maria") == "Anna Maria")
    }

    @Test(arguments: [
        ("  Jürgen   Müller ", "Jürgen Müller"),
        ("Mu\u{308}ller", "Müller"),
        ("\tAnna\u{A0}\u{A0}Maria\n", "Anna Maria"),
        ("", ""),
        ("   ", ""),
    ])
    func textIsComposedAndWhitespaceCollapsed(raw: String, expected: String) {
        let result = TextNormalizer.collapsed(raw)
        #expect(result == expected)
        #expect(Array(result.unicodeScalars) == Array(expected.unicodeScalars))
    }

    @Test(arguments: [
        ("Müller", "mueller"), ("MUELLER", "mueller"), ("Straße", "strasse"), ("Lefèvre", "lefevre"),
        ("Łukasz  Nowak", "lukasz nowak"), ("Zoë", "zoe"), ("Mu\u{308}ller", "mueller"),
    ])
    func foldingTransliteratesGermanAndStripsOtherDiacritics(raw: String, expected: String) {
        #expect(String(String.UnicodeScalarView(TextNormalizer.folded(raw))) == expected)
    }

    @Test(arguments: [
        ("MÜLLER-LÜDENSCHEIDT", "Müller-Lüdenscheidt"),
        ("o'brien", "O'Brien"),
        ("VAN DER BERG", "van der Berg"),
        ("jürgen von und zu guttenberg", "Jürgen von und zu Guttenberg"),
        ("STRAßE", "Straße"),
        ("GROẞ", "Groß"),
        ("weiß", "Weiß"),
        ("  hans-peter   SCHÄFER ", "Hans-Peter Schäfer"),
        ("d'artois", "D'Artois"),
        ("DE VRIES", "de Vries"),
        ("Anna Le", "Anna Le"),
        ("ÖZTÜRK", "Öztürk"),
        ("graf von moltke", "Graf von Moltke"),
        ("ayşe yılmaz", "Ayşe Yılmaz"),
    ])
    func namesGetProperCaseKeepingParticlesAndSharpS(raw: String, expected: String) {
        #expect(NameNormalizer.properCase(raw) == expected)
    }

    @Test func emptyNameIsNil() {
        #expect(NameNormalizer.properCase("  ") == nil)
    }

    @Test(arguments: [
        "+49 171 1234567", "0171/1234567", "0049 171 1234567", "(0171) 123 45 67", "+49 (0)171 1234567",
        "0171-1234567", "+491711234567", "+49 0171 1234567", "0171.123.45.67",
    ])
    func germanMobileNumberFormatsGiveOneE164(raw: String) {
        #expect(PhoneNormalizer.e164(raw) == "+491711234567")
    }

    @Test(arguments: [
        ("0664 12345678", "AT", "+4366412345678"),
        ("079 123 45 67", "CH", "+41791234567"),
        ("06 12345678", "NL", "+31612345678"),
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("06 1234 5678", "IT", "+390612345678"),
        ("612 345 678", "ES", "+34612345678"),
        ("+43 1 234567", "DE", "+431234567"),
        ("+41 (0)44 123 45 67", "DE", "+41441234567"),
        ("030 1234567", "DE", "+49301234567"),
    ])
    func regionsApplyTheirTrunkPrefixAndCallingCode(raw: String, region: String, expected: String) throws {
        let phoneRegion = try #require(PhoneRegion.region(code: region))
        #expect(PhoneNormalizer.e164(raw, defaultRegion: phoneRegion) == expected)
    }

    /// The byte path for ASCII values gives what the scalar path gives, on random values built from digits,
    /// separators, prefixes, `(0)`, letters and runs of zeros, for every region as the default.
    @Test func asciiPhonePathAgreesWithTheScalarPath() {
        var generator = SeededGenerator(seed: 23)
        let pieces = [
            "0", "00", "+", "(0)", "(", ")", " ", "/", "-", ".", "\t", "49", "41", "43", "352", "420", "1", "171",
            "1234567", "12345", "9", "x", "0049", "+49", "+1", "06", "0664",
        ]
        var checked = 0
        for region in PhoneRegion.all {
            for _ in 0..<4_000 {
                let raw = (0..<Int.random(in: 1...7, using: &generator))
                    .map { _ in pieces[Int.random(in: 0..<pieces.count, using: &generator)] }.joined()
                var bytes = raw
                let fast = bytes.withUTF8 { PhoneNormalizer.asciiE164($0, defaultRegion: region) }
                #expect(fast == .some(PhoneNormalizer.scalarE164(raw, defaultRegion: region)), "\(raw) in \(region.code)")
                if case .some(.some) = fast { checked += 1 }
            }
        }
        // Plenty of the random values are valid numbers, not only junk.
        #expect(checked > 2_000)
        // A value with a byte beyond ASCII is left to the scalar path (a no-break space is a separator there).
        var nbsp = "+49\u{A0}171 1234567"
        #expect(nbsp.withUTF8 { PhoneNormalizer.asciiE164($0, defaultRegion: .germany) } == .none)
        #expect(PhoneNormalizer.e164(nbsp) == "+491711234567")
    }

    @Test(arguments: [
        "", "n/a", "keine", "12", "0171", "+49 171 12345678901234", "+49 abc 1234567", "++49 171 1234567",
        "171 1234567", "0", "+0 171 1234567", "+41 79 123 45 6",
    ])
    func junkPhoneNumbersAreNil(raw: String) {
        #expect(PhoneNormalizer.e164(raw) == nil)
    }

    @Test(arguments: [
        ("10115", "DE", "10115"), ("01067", "DE", "01067"), (" D-80331 ", "DE", "80331"),
        ("1010", "AT", "1010"), ("8001", "CH", "8001"), ("CH-8001", "CH", "8001"),
        ("1234ab", "NL", "1234 AB"), ("1234 AB", "NL", "1234 AB"), ("1234  ab", "NL", "1234 AB"),
        ("75001", "FR", "75001"), ("1000", "BE", "1000"), ("L-1234", "LU", "1234"), ("00118", "IT", "00118"),
        ("28001", "ES", "28001"), ("00-950", "PL", "00-950"), ("00950", "PL", "00-950"), ("2100", "DK", "2100"),
        ("11000", "CZ", "110 00"), ("sw1a 1aa", "GB", "SW1A 1AA"),
    ])
    func validPostalCodesAreNormalised(raw: String, country: String, expected: String) {
        #expect(PostalCodeNormalizer.normalized(raw, country: country) == expected)
    }

    @Test(arguments: [
        ("1011", "DE"), ("101155", "DE"), ("1O115", "DE"), ("", "DE"), ("01010", "AT"), ("0123", "CH"),
        ("0123 AB", "NL"), ("1234 SS", "NL"), ("1234 A", "NL"), ("12345", "NL"), ("53001", "ES"), ("1234", "FR"),
        ("123-45", "PL"), ("10 115", "DE"),
    ])
    func invalidPostalCodesAreNil(raw: String, country: String) {
        #expect(PostalCodeNormalizer.normalized(raw, country: country) == nil)
    }

    @Test(arguments: [
        (CalendarDate.days(year: 1985, month: 6, day: 15), true),
        (CalendarDate.days(year: 2024, month: 6, day: 1), true),
        (CalendarDate.days(year: 2024, month: 6, day: 2), false),
        (CalendarDate.days(year: 1904, month: 6, day: 1), true),
        (CalendarDate.days(year: 1904, month: 5, day: 31), true),
        (CalendarDate.days(year: 1904, month: 6, day: 2), true),
        (CalendarDate.days(year: 1903, month: 5, day: 31), false),
        (CalendarDate.days(year: 1850, month: 1, day: 1), false),
    ])
    func birthDatesArePlausibleUpTo120Years(birth: Int32, expected: Bool) {
        let asOf = CalendarDate.days(year: 2024, month: 6, day: 1)
        #expect(BirthDatePlausibility.isPlausible(birth: birth, asOf: asOf) == expected)
    }

    @Test func leapDayBirthdayAgesOnFirstOfMarch() {
        let birth = CalendarDate.days(year: 2000, month: 2, day: 29)
        #expect(BirthDatePlausibility.age(birth: birth, asOf: CalendarDate.days(year: 2023, month: 2, day: 28)) == 22)
        #expect(BirthDatePlausibility.age(birth: birth, asOf: CalendarDate.days(year: 2023, month: 3, day: 1)) == 23)
    }
}
