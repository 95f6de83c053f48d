import Testing

@testable import Segmentation

@Suite struct ComparatorTests {
    @Test(arguments: [
        ("Müller", "657"), ("Mueller", "657"), ("Miller", "657"), ("Möller", "657"),
        ("Meier", "67"), ("Meyer", "67"), ("Mayr", "67"), ("Maier", "67"),
        ("Schmidt", "862"), ("Schmitt", "862"),
        ("Müller-Lüdenscheidt", "65752682"), ("Wikipedia", "3412"), ("Breschnew", "17863"),
        ("Christoph", "47823"), ("Cäsar", "887"), ("Carl", "475"), ("Sczepanski", "81684"), ("Xaver", "4837"),
        ("Weiß", "38"), ("Heinz", "068"),
        ("Philipp", "351"), ("Dixon", "2486"), ("Axel", "0485"), ("Pfeiffer", "1337"), ("Thomas", "268"), ("", ""),
        ("1234", ""),
    ])
    func colognePhoneticFollowsThePublishedRules(name: String, expected: String) {
        #expect(ColognePhonetic.code(name) == expected)
    }

    @Test(arguments: [
        ("Robert", "R163"), ("Rupert", "R163"), ("Rubin", "R150"), ("Ashcraft", "A261"), ("Ashcroft", "A261"),
        ("Tymczak", "T522"), ("Pfister", "P236"), ("Honeyman", "H555"), ("Lee", "L000"), ("Lefèvre", "L116"),
        ("", ""),
    ])
    func soundexFollowsTheCensusRules(name: String, expected: String) {
        #expect(Soundex.code(name) == expected)
    }

    @Test(arguments: [
        ("MARTHA", "MARHTA", 0.9611), ("DWAYNE", "DUANE", 0.84), ("DIXON", "DICKSONX", 0.8133),
        ("JELLYFISH", "SMELLYFISH", 0.8963), ("Müller", "Müller", 1.0), ("", "", 1.0), ("abc", "", 0.0),
        ("abc", "xyz", 0.0), ("Müller", "Muller", 0.9),
    ])
    func jaroWinklerMatchesKnownValues(a: String, b: String, expected: Double) {
        let value = JaroWinkler.similarity(a, b)
        #expect(abs(value - expected) < 0.00005)
        #expect(abs(JaroWinkler.similarity(b, a) - value) < 1e-12)
    }

    @Test(arguments: [
        ("kitten", "sitting", 3), ("ca", "abc", 3), ("Müller", "Mülelr", 1), ("Meier", "Meir", 1), ("", "abc", 3),
        ("abc", "abc", 0), ("Schmidt", "Schmitt", 1), ("Straße", "Strasse", 2),
    ])
    func damerauLevenshteinCountsAdjacentTranspositionOnce(a: String, b: String, expected: Int) {
        #expect(DamerauLevenshtein.distance(a, b) == expected)
        #expect(DamerauLevenshtein.distance(b, a) == expected)
    }

    @Test func damerauLevenshteinSimilarityIsNormalisedByTheLongerString() {
        #expect(DamerauLevenshtein.similarity("Müller", "Mülelr") == 1 - 1.0 / 6)
        #expect(DamerauLevenshtein.similarity("", "") == 1)
        #expect(DamerauLevenshtein.similarity("ab", "cd") == 0)
    }

    @Test func tokenRatiosIgnoreOrderCaseAndPunctuation() {
        #expect(TokenSimilarity.tokenSetRatio("Anna Maria Müller", "Müller, Anna") == 1)
        #expect(TokenSimilarity.tokenSortRatio("Anna Maria Müller", "Müller, Anna") == 0.8)
        #expect(TokenSimilarity.tokenSortRatio("Müller Thomas", "THOMAS MUELLER") == 1)
        #expect(TokenSimilarity.tokenSetRatio("", "") == 1)
        #expect(TokenSimilarity.tokenSetRatio("Anna", "") == 0)
        // No common token: plain ratio of `abc` and `abd`.
        #expect(abs(TokenSimilarity.tokenSetRatio("abc", "abd") - 4.0 / 6) < 1e-12)
    }
}
