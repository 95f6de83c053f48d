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
