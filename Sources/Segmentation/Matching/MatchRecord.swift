/// One customer record as the matcher sees it: fields already normalised by the clean stage, nil when missing.
struct MatchRecord: Hashable, Sendable {
    /// The source id, reported back in pairs and groups by position.
    var id: String
    /// The normalised e-mail (trimmed, lower-cased, valid).
    var email: String?
    /// The phone number in E.164.
    var phone: String?
    /// The first name (any case; compared folded).
    var firstName: String?
    /// The last name (any case; compared folded).
    var lastName: String?
    /// The normalised postal code.
    var postalCode: String?
    /// The city (any case; compared folded).
    var city: String?
    /// The ISO 3166-1 alpha-2 country, which picks the phonetic algorithm for the last name.
    var country: String?
    /// The birth date, days since 1970-01-01.
    var birthDate: Int32?

    /// Creates a record; every field but the id may be nil.
    init(
        id: String, email: String? = nil, phone: String? = nil, firstName: String? = nil, lastName: String? = nil,
        postalCode: String? = nil, city: String? = nil, country: String? = nil, birthDate: Int32? = nil
    ) {
        self.id = id
        self.email = email
        self.phone = phone
        self.firstName = firstName
        self.lastName = lastName
        self.postalCode = postalCode
        self.city = city
        self.country = country
        self.birthDate = birthDate
    }
}
