import Clustering
import Testing

@testable import Segmentation

@Suite struct NormalizationTests {
    @Test(arguments: [
        ("  Max.Mustermann@Example.DE ", "max.mustermann@example.de"),
        ("jürgen@müller.de", "jürgen@müller.de"),
        ("a+tag@shop.co.uk", "a+tag@shop.co.uk"),
    ])
    func validEmailsAreTrimmedAndLowerCased(raw: String, expected: String) {
        #expect(Normalization.email(raw) == expected)
    }

    @Test(arguments: [
        "", "no-at-sign", "two@@example.de", "dot.@example.de", "a@example", "a@-x.de", "a b@example.de", "a@example.d",
    ])
    func invalidEmailsAreNil(raw: String) {
        #expect(Normalization.email(raw) == nil)
    }

    @Test func asciiFastPathAgreesWithTheGeneralPathOnRandomText() {
        // Email-shaped text (local part, @, dot-separated labels, optional surrounding whitespace) from small
        // alphabets that include every character class the rules treat differently, plus fully random text, so
        // valid addresses and every kind of invalid one occur often.
        var generator = SeededGenerator(seed: 17)
        func pick(_ characters: String, _ count: ClosedRange<Int>) -> String {
            let scalars = Array(characters.unicodeScalars)
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: count, using: &generator) {
                text.append(scalars[Int.random(in: 0..<scalars.count, using: &generator)])
            }
            return String(text)
        }
        var valid = 0
        for _ in 0..<60_000 {
            let raw: String
            if Int.random(in: 0..<4, using: &generator) == 0 {
                raw = pick("aZx9.-@+_'!#~ \t\r\nQ0é", 0...14)
            } else {
                let labels = (0..<Int.random(in: 1...3, using: &generator)).map { _ in pick("aZq7-", 0...4) }
                raw =
                    pick(" \t", 0...1) + pick("aZx9._+'-!#", 1...6) + "@" + labels.joined(separator: ".")
                    + pick(" \n", 0...1)
            }
            let expected = Normalization.generalEmail(raw)
            #expect(Normalization.email(raw) == expected, "\(raw.debugDescription)")
            if expected != nil { valid += 1 }
        }
        let edgeCases = [
            "a@b.cd", " A.B@C-D.Example.ORG\t", "x@y.z", "a..b@c.de", "a@b..de", "a@b.d3",
            String(repeating: "a", count: 65) + "@b.de",
        ]
        for raw in edgeCases {
            #expect(Normalization.email(raw) == Normalization.generalEmail(raw), "\(raw)")
        }
        #expect(valid > 100, "the random text should contain valid addresses")
    }

    @Test(arguments: [
        ("Deutschland", "DE"), ("germany", "DE"), (" de ", "DE"), ("DEU", "DE"), ("Österreich", "AT"),
        ("Schweiz", "CH"), ("Nederland", "NL"), ("fr", "FR"),
    ])
    func countriesMapToAlpha2(raw: String, expected: String) {
        #expect(Normalization.country(raw) == expected)
    }

    @Test func blankCountryIsNil() {
        #expect(Normalization.country("   ") == nil)
    }
}
