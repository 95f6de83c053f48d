/// Names, places and spellings the synthetic data generator draws from, pre-encoded as UTF-8.
struct SyntheticVocabulary {
    /// A name with its lower-case ASCII spelling for e-mail addresses (`Jürgen` → `juergen`).
    struct Name {
        let text: [UInt8]
        let ascii: [UInt8]
        init(_ text: String) {
            self.text = Array(text.utf8)
            ascii = Array(SyntheticVocabulary.emailSpelling(of: text).utf8)
        }
    }

    /// A city with its country and postal code range.
    struct City {
        let name: [UInt8]
        let country: Country
        let postalCodes: ClosedRange<Int>
        let weight: Double
    }

    /// The countries customers live in.
    enum Country: Int, CaseIterable {
        case germany, austria, switzerland, netherlands, france
    }

    let germanFirstNames: [Name]
    let germanLastNames: [Name]
    let dutchFirstNames: [Name]
    let dutchLastNames: [Name]
    let frenchFirstNames: [Name]
    let frenchLastNames: [Name]
    let cities: [City]
    let citiesByCountry: [[Int]]
    let cityWeightsByCountry: [[Double]]
    let countrySpellings: [[[UInt8]]]
    let countryCallingCodes: [[UInt8]]
    let emailDomains: [[UInt8]]
    let channels: [[UInt8]]
    let channelWeights: [Double]
    let categories: [[UInt8]]
    let categoryWeights: [Double]

    init() {
        germanFirstNames = [
            "Anna", "Lena", "Marie", "Sophie", "Laura", "Julia", "Katharina", "Sabine", "Ursula", "Monika",
            "Bärbel", "Jürgen", "Jörg", "Björn", "Sören", "Günther", "Käthe", "Renate", "Petra", "Claudia",
            "Lukas", "Leon", "Finn", "Jonas", "Paul", "Felix", "Maximilian", "Thomas", "Michael", "Andreas",
            "Stefan", "Wolfgang", "Klaus", "Hans-Peter", "Karl-Heinz", "Uwe", "Dieter", "Matthias", "Tobias",
            "Sebastian", "Christine", "Heike", "Birgit", "Anke", "Jana", "Lea", "Mia", "Emma", "Hannah", "Greta",
            "Mehmet", "Ayşe", "Elif", "Lars", "Nils", "Till", "Götz", "Mareike", "Zoë", "Chloé",
        ].map(Name.init)
        germanLastNames = [
            "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
            "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
            "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
            "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
            "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert",
            "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz",
            "Groß", "Strauß", "Jäger", "Böhm", "Yılmaz", "Öztürk", "Nowak", "Kowalski", "von Bergen",
            "von der Heide", "van der Meer", "de Vries", "Meyer-Lüdenscheid", "Graf von Moltke", "zu Stolberg",
        ].map(Name.init)
        dutchFirstNames = ["Daan", "Sanne", "Bram", "Femke", "Joost", "Lieke", "Sem", "Fleur"].map(Name.init)
        dutchLastNames = [
            "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "van der Linden",
        ].map(Name.init)
        frenchFirstNames = ["Camille", "Léa", "Hugo", "Chloé", "Théo", "Manon", "Émile", "Inès"].map(Name.init)
        frenchLastNames = [
            "Martin", "Bernard", "Dubois", "Thomas", "Lefèvre", "Moreau", "Laurent", "Girard", "D'Artois",
        ].map(Name.init)

        let cityList: [(String, Country, ClosedRange<Int>, Double)] = [
            ("Berlin", .germany, 10115...14199, 9), ("Hamburg", .germany, 20095...22769, 5),
            ("München", .germany, 80331...81929, 5), ("Köln", .germany, 50667...51149, 4),
            ("Frankfurt am Main", .germany, 60306...60599, 3), ("Stuttgart", .germany, 70173...70629, 3),
            ("Düsseldorf", .germany, 40210...40629, 3), ("Leipzig", .germany, 4103...4357, 2.5),
            ("Dresden", .germany, 1067...1328, 2.5), ("Nürnberg", .germany, 90402...90491, 2),
            ("Hannover", .germany, 30159...30669, 2), ("Bremen", .germany, 28195...28779, 2),
            ("Essen", .germany, 45127...45359, 2), ("Dortmund", .germany, 44135...44388, 2),
            ("Münster", .germany, 48143...48167, 1.5), ("Freiburg im Breisgau", .germany, 79098...79117, 1.5),
            ("Görlitz", .germany, 2826...2829, 0.5), ("Halle (Saale)", .germany, 6108...6132, 1),
            ("Frankfurt (Oder)", .germany, 15230...15236, 0.5), ("Würzburg", .germany, 97070...97084, 1),
            ("Saarbrücken", .germany, 66111...66133, 1), ("Lübeck", .germany, 23552...23570, 1),
            ("Wien", .austria, 1010...1230, 4), ("Graz", .austria, 8010...8055, 1.5),
            ("Salzburg", .austria, 5020...5026, 1), ("Zürich", .switzerland, 8001...8099, 3),
            ("Genève", .switzerland, 1201...1209, 1.5), ("Basel", .switzerland, 4001...4059, 1),
            ("Amsterdam", .netherlands, 1011...1109, 2), ("Utrecht", .netherlands, 3511...3585, 1),
            ("Paris", .france, 75001...75020, 2), ("Lyon", .france, 69001...69009, 1),
            ("Strasbourg", .france, 67000...67200, 1),
        ]
        cities = cityList.map { City(name: Array($0.0.utf8), country: $0.1, postalCodes: $0.2, weight: $0.3) }
        var byCountry = [[Int]](repeating: [], count: Country.allCases.count)
        for (index, city) in cities.enumerated() { byCountry[city.country.rawValue].append(index) }
        citiesByCountry = byCountry
        cityWeightsByCountry = byCountry.map { indices in
            var total = 0.0
            return indices.map { index in
                total += cityList[index].3
                return total
            }
        }
        countrySpellings = [
            ["DE", "DE", "DE", "DE", "DE", "DE", "Deutschland", "Deutschland", "Germany", "de", " DE", "DEU"],
            ["AT", "AT", "Österreich", "Austria", "at"],
            ["CH", "CH", "Schweiz", "Switzerland", "ch"],
            ["NL", "NL", "Niederlande", "Netherlands", "nl"],
            ["FR", "FR", "Frankreich", "France", "fr"],
        ].map { $0.map { Array($0.utf8) } }
        countryCallingCodes = ["49", "43", "41", "31", "33"].map { Array($0.utf8) }
        emailDomains = [
            "gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.com", "yahoo.de", "posteo.de", "icloud.com",
            "gmx.net", "freenet.de", "mail.de", "hotmail.com",
        ].map { Array($0.utf8) }
        channels = [
            "organic", "paid_search", "social", "newsletter", "referral", "affiliate", "marketplace", "store",
            "partner, affiliate", "",
        ].map { Array($0.utf8) }
        var channelTotal = 0.0
        channelWeights = [30, 20, 15, 8, 8, 6, 5, 4, 1, 3].map { (weight: Double) -> Double in
            channelTotal += weight
            return channelTotal
        }
        categories = [
            "Electronics", "Fashion", "Home, Garden & DIY", "Books", "Beauty", "Sports", "Toys", "Groceries",
            "Shoes", "Jewellery", "Books \"Bestseller\"", "Pet Supplies",
        ].map { Array($0.utf8) }
        var categoryTotal = 0.0
        categoryWeights = [18, 20, 10, 10, 8, 8, 6, 7, 6, 3, 1, 3].map { (weight: Double) -> Double in
            categoryTotal += weight
            return categoryTotal
        }
    }

    /// The lower-case ASCII spelling of a name as people write it in e-mail addresses.
    static func emailSpelling(of name: String) -> String {
        var result = ""
        for scalar in name.lowercased().unicodeScalars {
            switch scalar {
            case "ä": result += "ae"
            case "ö": result += "oe"
            case "ü": result += "ue"
            case "ß": result += "ss"
            case "é", "è", "ë": result += "e"
            case "ç": result += "c"
            case "ı", "î", "ï": result += "i"
            case "ş": result += "s"
            case " ", "'": break
            default: if scalar.isASCII { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }
}
