extension FuzzyMatcher {
    /// How records are blocked, scored and grouped.
    struct Configuration: Hashable, Sendable {
        /// Exact rules applied before the fuzzy comparisons (score 1).
        var exactRules: [ExactRule] = [.email]
        /// The blocking keys: two records are compared when they share at least one key.
        ///
        /// By default: postal code; then postal code with the last name's phonetic key, with the first name's
        /// and with the birth date (which still compare the likely pairs of a postal code too large to compare
        /// whole, even with a typo in one name); the last name's phonetic key with the birth date (people who
        /// moved); phone.
        var blockingKeys: [BlockingKey] = [
            .postalCode, .postalCodeAndLastNamePhonetic, .postalCodeAndFirstNamePhonetic, .postalCodeAndBirthDate,
            .lastNamePhoneticAndBirthDate, .phone,
        ]
        /// The comparator weight of each field.
        var weights = FieldWeights()
        /// The similarity a field missing on either side contributes (neither evidence for nor against).
        var missingSimilarity = 0.5
        /// Pairs scoring at least this are matches.
        var threshold = 0.75
        /// The Jaro-Winkler similarity (folded) first names and last names must both reach for a match.
        ///
        /// Below it a pair never matches, whatever else agrees: twins sharing birth date, address and phone are
        /// two customers. A name missing on either side is not checked (and scores ``missingSimilarity``).
        var minimumNameSimilarity = 0.8
        /// Blocks with more records are skipped and reported: they are too unspecific and too expensive.
        var maximumBlockSize = 500
        /// A merge that would make a group larger is refused and reported.
        var maximumGroupSize = 5
        /// Above 1, blocks are compared on all cores (Dispatch `concurrentPerform`); results do not depend on it.
        var parallelism = 2

        /// The defaults, tuned on the synthetic generator's planted duplicates.
        init() {}
    }

    /// An exact rule: records with the same non-empty value are one customer.
    enum ExactRule: String, Hashable, Sendable, CaseIterable {
        /// Same normalised e-mail.
        case email
        /// Same E.164 phone number.
        case phone
    }

    /// Comparator weights; the score is the weighted mean of the field similarities.
    ///
    /// First, last name and city are compared with Jaro-Winkler on folded text; e-mail, phone, postal code and
    /// birth date by equality. A weight of 0 leaves a field out.
    struct FieldWeights: Hashable, Sendable {
        /// First name, Jaro-Winkler on folded text.
        var firstName = 1.0
        /// Last name, Jaro-Winkler on folded text.
        var lastName = 1.5
        /// E-mail, equality.
        var email = 1.0
        /// Phone, equality.
        var phone = 2.0
        /// Postal code, equality.
        var postalCode = 1.0
        /// City, equality of folded text.
        var city = 0.5
        /// Birth date, equality.
        var birthDate = 2.0

        /// The default weights.
        init() {}

        /// The sum of all weights.
        var total: Double { firstName + lastName + email + phone + postalCode + city + birthDate }
    }

    /// A blocking key: the concatenation of one or more record attributes; records missing any part get none.
    struct BlockingKey: Hashable, Sendable, CustomStringConvertible {
        /// The attributes forming the key.
        var components: [Component]

        /// A key made of `components`.
        init(_ components: [Component]) {
            self.components = components
        }

        /// The key's name, such as `postal_code+last_name_phonetic`.
        var description: String { components.map(\.rawValue).joined(separator: "+") }

        /// The normalised postal code.
        static let postalCode = BlockingKey([.postalCode])
        /// The phonetic key of the last name (Kölner Phonetik or Soundex by country).
        static let lastNamePhonetic = BlockingKey([.lastNamePhonetic])
        /// The postal code together with the phonetic key of the last name.
        static let postalCodeAndLastNamePhonetic = BlockingKey([.postalCode, .lastNamePhonetic])
        /// The postal code together with the phonetic key of the first name.
        static let postalCodeAndFirstNamePhonetic = BlockingKey([.postalCode, .firstNamePhonetic])
        /// The postal code together with the birth date.
        static let postalCodeAndBirthDate = BlockingKey([.postalCode, .birthDate])
        /// The phonetic key of the last name together with the birth date.
        static let lastNamePhoneticAndBirthDate = BlockingKey([.lastNamePhonetic, .birthDate])
        /// The phone number.
        static let phone = BlockingKey([.phone])
        /// The e-mail.
        static let email = BlockingKey([.email])

        /// One attribute of a blocking key.
        enum Component: String, Hashable, Sendable, CaseIterable {
            /// The postal code.
            case postalCode = "postal_code"
            /// Kölner Phonetik for records in DE, AT, CH, LU or without a country; Soundex otherwise.
            case lastNamePhonetic = "last_name_phonetic"
            /// Kölner Phonetik of the last name.
            case lastNameColognePhonetic = "last_name_cologne"
            /// Soundex of the last name.
            case lastNameSoundex = "last_name_soundex"
            /// Kölner Phonetik of the first name.
            case firstNamePhonetic = "first_name_phonetic"
            /// The birth date.
            case birthDate = "birth_date"
            /// The birth year.
            case birthYear = "birth_year"
            /// The folded city name.
            case city
            /// The e-mail.
            case email
            /// The phone number.
            case phone
        }
    }
}
