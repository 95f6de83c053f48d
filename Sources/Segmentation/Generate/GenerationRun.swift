import Foundation

/// One run of ``SyntheticDataGenerator``: the open files, the counters and the per-customer logic.
final class GenerationRun {
    private let generator: SyntheticDataGenerator
    private let vocabulary = SyntheticVocabulary()
    private let customersFile: GeneratedFileWriter
    private let duplicateRows: GeneratedFileWriter
    private let ordersFile: GeneratedFileWriter
    private let eventsFile: GeneratedFileWriter
    private let truthFile: GeneratedFileWriter
    private var summary = GenerationSummary()
    private var nextOrderNumber = 1
    private var orderDays: [Int32] = []
    /// Pairs of (original id, duplicate id) in the order they were planted.
    private var truthPairs: [([UInt8], [UInt8])] = []

    init(generator: SyntheticDataGenerator, directory: String) throws {
        self.generator = generator
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        customersFile = try GeneratedFileWriter(path: base + "customers.csv")
        duplicateRows = try GeneratedFileWriter(path: nil)
        ordersFile = try GeneratedFileWriter(path: base + "orders.csv")
        eventsFile = try GeneratedFileWriter(path: base + "email_events.csv")
        truthFile = try GeneratedFileWriter(path: base + "duplicates_truth.csv")
    }

    func generate() throws -> GenerationSummary {
        customersFile.text(
            "customer_id,email,first_name,last_name,phone,birth_date,city,postal_code,country,signup_date,"
                + "acquisition_channel\n")
        ordersFile.text("order_id,customer_id,order_date,amount,currency,category,quantity,status\n")
        eventsFile.text("customer_id,campaign_id,event_type,event_time\n")
        truthFile.text("source_customer_id,group_id\n")
        for index in 0..<generator.customers {
            try generateCustomer(index)
        }
        try duplicateRows.flush()
        try customersFile.append(contentsOf: duplicateRows.memory, rows: duplicateRows.rows)
        for (group, pair) in truthPairs.enumerated() {
            for id in [pair.0, pair.1] {
                truthFile.bytes(id)
                truthFile.comma()
                truthFile.byte(UInt8(ascii: "G"))
                truthFile.integer(group + 1, width: 6)
                try truthFile.endRow()
            }
        }
        for file in [customersFile, ordersFile, eventsFile, truthFile] { try file.finish() }
        summary.customerRows = customersFile.rows
        summary.orderRows = ordersFile.rows
        summary.emailEventRows = eventsFile.rows
        summary.duplicateGroups = truthPairs.count
        summary.duplicateTruthRows = truthFile.rows
        return summary
    }

    // MARK: - Customers

    private func customerID(_ index: Int) -> [UInt8] {
        index % 10 == 7
            ? Array("CRM-".utf8) + digits(index + 1, width: 8) : [UInt8(ascii: "C")] + digits(index + 1, width: 7)
    }

    private func digits(_ value: Int, width: Int) -> [UInt8] {
        let text = Array(String(value).utf8)
        return [UInt8](repeating: UInt8(ascii: "0"), count: max(0, width - text.count)) + text
    }

    private func generateCustomer(_ index: Int) throws {
        var random = SyntheticRandom(seed: generator.seed, stream: UInt64(index))
        let asOf = generator.asOf
        let archetype = Archetype.all[random.pick(cumulative: Archetype.cumulativeWeights)]
        var profile = makeProfile(index: index, archetype: archetype, random: &random)
        let (signupAgo, lastAgo, count) = archetype.activity(&random)
        let signup = asOf - Int32(signupAgo)
        profile.signup = signup

        let isBad = random.chance(generator.badRowRate)
        let hasDuplicate = !isBad && random.chance(generator.duplicateRate)
        let duplicateKind = hasDuplicate ? random.below(100) : 0
        writeCustomer(
            profile, id: profile.id, email: hasDuplicate ? profile.email : dirtyEmail(profile.email, &random),
            firstName: profile.firstName, lastName: profile.lastName,
            phoneStyle: random.below(6), badKind: isBad ? random.below(3) : nil, into: customersFile, &random)
        try customersFile.endRow()
        if isBad { summary.badCustomerRows += 1 }

        // Orders.
        let firstOrder = min(signup + Int32(random.within(0...min(30, max(0, signupAgo - lastAgo)))), asOf)
        let lastOrder = max(firstOrder, asOf - Int32(lastAgo))
        orderDays.removeAll(keepingCapacity: true)
        orderDays.append(firstOrder)
        if count > 1 {
            orderDays.append(lastOrder)
            for _ in 2..<max(count, 2) {
                orderDays.append(firstOrder + Int32(random.within(0...Int(lastOrder - firstOrder))))
            }
            orderDays.sort()
        }

        var duplicateID: [UInt8] = []
        var duplicateSignup = signup
        if hasDuplicate {
            let number = generator.customers + truthPairs.count + 1
            duplicateID = [UInt8(ascii: "C")] + digits(number, width: 7)
            duplicateSignup = signup + Int32(random.within(0...Int(max(0, lastOrder - signup))))
            truthPairs.append((profile.id, duplicateID))
            writeDuplicate(
                profile, id: duplicateID, number: number, kind: duplicateKind, signup: duplicateSignup,
                &random)
            try duplicateRows.endRow()
        }
        let favouriteCategory = random.pick(cumulative: vocabulary.categoryWeights)
        for day in orderDays {
            let owner = hasDuplicate && day >= duplicateSignup && random.chance(0.6) ? duplicateID : profile.id
            try writeOrder(owner: owner, day: day, profile: profile, favourite: favouriteCategory, &random)
        }
        try writeEvents(profile, signup: signup, &random)
    }

    /// A customer's stable attributes.
    struct Profile {
        var id: [UInt8]
        var archetype: Archetype
        var country: SyntheticVocabulary.Country
        var firstName: [UInt8]
        var lastName: [UInt8]
        var email: [UInt8]
        var emailLocal: [UInt8]
        var phonePrefix: [UInt8]
        var phoneNumber: [UInt8]
        var hasPhone: Bool
        var birth: Int32?
        var city: Int
        var postalCode: [UInt8]
        var signup: Int32
    }

    private func makeProfile(index: Int, archetype: Archetype, random: inout SyntheticRandom) -> Profile {
        let countryRoll = random.below(100)
        let country: SyntheticVocabulary.Country
        switch countryRoll {
        case 0..<85: country = .germany
        case 85..<91: country = .austria
        case 91..<96: country = .switzerland
        case 96..<98: country = .netherlands
        default: country = .france
        }
        let first: SyntheticVocabulary.Name
        let last: SyntheticVocabulary.Name
        switch country {
        case .netherlands:
            first = vocabulary.dutchFirstNames[random.below(vocabulary.dutchFirstNames.count)]
            last = vocabulary.dutchLastNames[random.below(vocabulary.dutchLastNames.count)]
        case .france:
            first = vocabulary.frenchFirstNames[random.below(vocabulary.frenchFirstNames.count)]
            last = vocabulary.frenchLastNames[random.below(vocabulary.frenchLastNames.count)]
        default:
            first = vocabulary.germanFirstNames[random.below(vocabulary.germanFirstNames.count)]
            last = vocabulary.germanLastNames[random.below(vocabulary.germanLastNames.count)]
        }
        var firstName = first.text
        var lastName = last.text
        if random.chance(0.001) {
            let nickname = String(String(decoding: first.text, as: UTF8.self).prefix(3))
            firstName += Array(" \"\(nickname)\"".utf8)
        }
        if random.chance(0.001) && country == .germany {
            lastName += Array(", geb. Weber".utf8)
        }
        let local = emailLocal(first: first.ascii, last: last.ascii, pattern: random.below(5), number: index + 1)
        let domain = vocabulary.emailDomains[random.below(vocabulary.emailDomains.count)]
        let cityChoices = vocabulary.citiesByCountry[country.rawValue]
        let city = cityChoices[random.pick(cumulative: vocabulary.cityWeightsByCountry[country.rawValue])]
        let postal = random.within(vocabulary.cities[city].postalCodes)
        var postalCode: [UInt8]
        switch country {
        case .germany, .france: postalCode = digits(postal, width: 5)
        case .austria, .switzerland: postalCode = digits(postal, width: 4)
        case .netherlands:
            let letters = [UInt8(ascii: "A") + UInt8(random.below(26)), UInt8(ascii: "A") + UInt8(random.below(26))]
            postalCode = digits(postal, width: 4) + [UInt8(ascii: " ")] + letters
        }
        let prefixes: [String]
        switch country {
        case .germany:
            prefixes = [
                "151", "152", "157", "160", "162", "163", "170", "171", "172", "175", "176", "177", "179", "30", "40",
                "89", "221",
            ]
        case .austria: prefixes = ["660", "664", "676", "699", "1"]
        case .switzerland: prefixes = ["76", "78", "79", "44"]
        case .netherlands: prefixes = ["6", "20"]
        case .france: prefixes = ["6", "7", "1"]
        }
        var number: [UInt8] = []
        for _ in 0..<(country == .germany ? 7 : 8) { number.append(UInt8(ascii: "0") + UInt8(random.below(10))) }
        let birthAgoYears = random.within(18...85)
        let birth: Int32? =
            random.chance(0.08) ? nil : generator.asOf - Int32(birthAgoYears * 365 + random.below(365))
        return Profile(
            id: customerID(index), archetype: archetype, country: country, firstName: firstName, lastName: lastName,
            email: local + [UInt8(ascii: "@")] + domain, emailLocal: local,
            phonePrefix: Array(prefixes[random.below(prefixes.count)].utf8), phoneNumber: number,
            hasPhone: !random.chance(0.1), birth: birth, city: city, postalCode: postalCode, signup: 0)
    }

    private func emailLocal(first: [UInt8], last: [UInt8], pattern: Int, number: Int) -> [UInt8] {
        let dot = UInt8(ascii: ".")
        let base: [UInt8]
        switch pattern {
        case 0: base = first + [dot] + last
        case 1: base = Array(first.prefix(1)) + [dot] + last
        case 2: base = last + [dot] + first
        case 3: base = first + [UInt8(ascii: "_")] + last
        default: base = first + last
        }
        return base + digits(number, width: 1)
    }

    /// The e-mail as written: mostly clean, sometimes upper-case or padded, about 1% invalid.
    private func dirtyEmail(_ email: [UInt8], _ random: inout SyntheticRandom) -> [UInt8] {
        let roll = random.below(1000)
        switch roll {
        case 0..<10:
            guard let at = email.firstIndex(of: UInt8(ascii: "@")) else { return email }
            switch random.below(4) {
            case 0: return Array(email[..<at])
            case 1: return Array(email[..<at]) + Array("(at)".utf8) + Array(email[(at + 1)...])
            case 2: return Array(email[...at]) + [UInt8(ascii: "@")] + Array(email[(at + 1)...])
            default: return Array(email[...at])
            }
        case 10..<25: return uppercased(email)
        case 25..<35: return [UInt8(ascii: " ")] + email + [UInt8(ascii: " ")]
        default: return email
        }
    }

    private func uppercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") ? $0 - 32 : $0 }
    }

    private func writeCustomer(
        _ profile: Profile, id: [UInt8], email: [UInt8], firstName: [UInt8], lastName: [UInt8], phoneStyle: Int,
        badKind: Int?, into file: GeneratedFileWriter, _ random: inout SyntheticRandom, signup: Int32? = nil
    ) {
        if badKind != 0 { file.bytes(id) }
        file.comma()
        file.field(email)
        file.comma()
        file.field(firstName)
        file.comma()
        file.field(lastName)
        file.comma()
        if profile.hasPhone { writePhone(profile, style: phoneStyle, into: file) }
        file.comma()
        if badKind == 2 {
            file.text(random.chance(0.5) ? "31.02.1985" : "1985-02-30")
        } else if let birth = profile.birth {
            file.date(birth, style: random.chance(0.7) ? .iso : .german)
        }
        file.comma()
        file.field(vocabulary.cities[profile.city].name)
        file.comma()
        file.bytes(profile.postalCode)
        file.comma()
        let spellings = vocabulary.countrySpellings[profile.country.rawValue]
        file.bytes(spellings[random.below(spellings.count)])
        file.comma()
        let signupDay = signup ?? profile.signup
        let styleRoll = random.below(100)
        file.date(signupDay, style: styleRoll < 80 ? .iso : styleRoll < 95 ? .german : .compact)
        if badKind != 1 {
            file.comma()
            file.field(vocabulary.channels[random.pick(cumulative: vocabulary.channelWeights)])
        }
    }

    /// Writes the phone number in one of six common notations (`+49 171 1234567`, `0171/1234567`, …).
    private func writePhone(_ profile: Profile, style: Int, into file: GeneratedFileWriter) {
        let code = vocabulary.countryCallingCodes[profile.country.rawValue]
        let plus = [UInt8(ascii: "+")]
        let space = [UInt8(ascii: " ")]
        let lead: [UInt8]
        let separator: [UInt8]
        switch style {
        case 0: (lead, separator) = (plus + code + space, space)
        case 1: (lead, separator) = ([UInt8(ascii: "0")], [UInt8(ascii: "/")])
        case 2: (lead, separator) = (Array("00".utf8) + code + space, space)
        case 3: (lead, separator) = ([UInt8(ascii: "0")], [UInt8(ascii: "-")])
        case 4: (lead, separator) = (plus + code + Array(" (0)".utf8), space)
        default: (lead, separator) = (plus + code, [])
        }
        file.bytes(lead)
        file.bytes(profile.phonePrefix)
        file.bytes(separator)
        file.bytes(profile.phoneNumber)
    }

    // MARK: - Duplicates

    private func writeDuplicate(
        _ profile: Profile, id: [UInt8], number: Int, kind: Int, signup: Int32, _ random: inout SyntheticRandom
    ) {
        var copy = profile
        var email = profile.email
        var firstName = profile.firstName
        var lastName = profile.lastName
        var phoneStyle = random.below(6)
        let newEmail: () -> [UInt8] = { [vocabulary] in
            var local = profile.emailLocal
            while let last = local.last, last >= UInt8(ascii: "0") && last <= UInt8(ascii: "9") { local.removeLast() }
            return local + Array("_neu".utf8) + self.digits(number, width: 1) + [UInt8(ascii: "@")]
                + vocabulary.emailDomains[number % vocabulary.emailDomains.count]
        }
        if kind < 45 {
            // Same e-mail in another case or with padding: an exact-email rule finds it.
            switch random.below(3) {
            case 0: email = uppercased(email)
            case 1:
                if let first = email.first, first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z") {
                    email[0] = first - 32
                }
                email = [UInt8(ascii: " ")] + email
            default: email = [UInt8(ascii: " "), UInt8(ascii: " ")] + email + [UInt8(ascii: " ")]
            }
        } else if kind < 75 {
            // Same person with a typo in a name and another phone format.
            if random.chance(0.7) {
                lastName = typo(lastName, &random)
            } else {
                firstName = typo(firstName, &random)
            }
            phoneStyle = (phoneStyle + 1 + random.below(5)) % 6
            email = random.chance(0.5) ? [] : newEmail()
        } else {
            // Same person, new e-mail address.
            email = newEmail()
            if random.chance(0.3) { copy.hasPhone = false }
        }
        writeCustomer(
            copy, id: id, email: email, firstName: firstName, lastName: lastName, phoneStyle: phoneStyle,
            badKind: nil, into: duplicateRows, &random, signup: signup)
    }

    /// A realistic misspelling: umlaut transliterated, letters swapped, dropped or doubled.
    private func typo(_ name: [UInt8], _ random: inout SyntheticRandom) -> [UInt8] {
        let text = String(decoding: name, as: UTF8.self)
        if random.chance(0.4), text.contains(where: { "äöüÄÖÜß".contains($0) }) {
            var result = ""
            for character in text {
                switch character {
                case "ä": result += "ae"
                case "ö": result += "oe"
                case "ü": result += "ue"
                case "Ä": result += "Ae"
                case "Ö": result += "Oe"
                case "Ü": result += "Ue"
                case "ß": result += "ss"
                default: result.append(character)
                }
            }
            return Array(result.utf8)
        }
        var characters = Array(text)
        guard characters.count >= 4 else { return Array((text + text.suffix(1)).utf8) }
        let position = 1 + random.below(characters.count - 2)
        switch random.below(3) {
        case 0: characters.swapAt(position, position + 1)
        case 1: characters.remove(at: position)
        default: characters.insert(characters[position], at: position)
        }
        return Array(String(characters).utf8)
    }

    // MARK: - Orders

    private func writeOrder(
        owner: [UInt8], day: Int32, profile: Profile, favourite: Int, _ random: inout SyntheticRandom
    ) throws {
        let file = ordersFile
        let badKind = random.chance(generator.badRowRate) ? random.below(4) : -1
        let isOrphan = badKind < 0 && random.chance(generator.orphanRate)
        file.byte(UInt8(ascii: "O"))
        file.integer(nextOrderNumber, width: 9)
        nextOrderNumber += 1
        file.comma()
        if isOrphan {
            file.byte(UInt8(ascii: "C"))
            file.integer(2 * generator.customers + 100 + summary.orphanOrderRows, width: 7)
            summary.orphanOrderRows += 1
        } else if badKind != 2 {
            file.bytes(owner)
        }
        file.comma()
        if badKind == 1 {
            let (year, _, _) = CalendarDate.civil(day)
            file.text("31.02.")
            file.integer(year, width: 4)
        } else {
            file.date(day, style: random.chance(0.8) ? .iso : .german)
        }
        file.comma()
        let quantityRoll = random.below(100)
        let quantity = quantityRoll < 60 ? 1 : quantityRoll < 85 ? 2 : random.within(3...5)
        let scale = exp(0.5 * random.gaussian() - 0.125) * pow(Double(quantity), 0.7)
        let cents = max(99, Int((profile.archetype.amountMean * scale * 100).rounded()))
        if badKind == 0 {
            file.byte(0x22)
            file.integer(cents / 100)
            file.text(",3x\"")
        } else {
            file.amount(cents: cents, german: random.chance(0.15))
        }
        file.comma()
        let currencyRoll = random.below(1000)
        if profile.country == .switzerland && currencyRoll < 700 {
            file.text("CHF")
        } else {
            let isEuro = currencyRoll < 970 || profile.country == .switzerland
            file.text(isEuro ? "EUR" : currencyRoll < 985 ? "GBP" : "CHF")
        }
        file.comma()
        let category = random.chance(0.5) ? favourite : random.pick(cumulative: vocabulary.categoryWeights)
        file.field(vocabulary.categories[category])
        file.comma()
        file.integer(quantity)
        if badKind != 3 {
            file.comma()
            let statusRoll = random.below(100)
            file.text(statusRoll < 94 ? "completed" : statusRoll < 98 ? "returned" : "cancelled")
        }
        try file.endRow()
        if badKind >= 0 { summary.badOrderRows += 1 }
    }

    // MARK: - Email events

    private func writeEvents(_ profile: Profile, signup: Int32, _ random: inout SyntheticRandom) throws {
        guard random.chance(0.85) else { return }
        let asOf = generator.asOf
        let start = max(signup, asOf - 728)
        let openRate = profile.archetype.openRate
        let sendSecond = Int64(9 * 3600 + random.below(3600))
        var week = 103
        while week >= 0 {
            defer { week -= 1 }
            let day = asOf - 1 - Int32(week * 7)
            guard day >= start, random.chance(0.24) else { continue }
            let sent = Int64(day) * 86_400 + sendSecond
            try writeEvent(profile.id, campaignDay: day, type: "sent", at: sent, &random)
            if random.chance(openRate) {
                let opened = sent + Int64(random.within(60...259_200))
                try writeEvent(profile.id, campaignDay: day, type: "open", at: opened, &random)
                if random.chance(0.25) {
                    try writeEvent(
                        profile.id, campaignDay: day, type: "click", at: opened + Int64(random.within(5...1800)),
                        &random)
                }
            }
            if random.chance(0.004) {
                try writeEvent(
                    profile.id, campaignDay: day, type: "unsubscribe", at: sent + Int64(random.within(600...86_400)),
                    &random)
                return
            }
        }
    }

    private func writeEvent(
        _ id: [UInt8], campaignDay: Int32, type: StaticString, at seconds: Int64, _ random: inout SyntheticRandom
    ) throws {
        let file = eventsFile
        let badKind = random.chance(generator.badRowRate) ? random.below(3) : -1
        if badKind != 0 { file.bytes(id) }
        file.comma()
        file.text("NL")
        file.date(campaignDay, style: .compact)
        file.comma()
        type.withUTF8Buffer { file.bytes(Array($0)) }
        if badKind != 1 {
            file.comma()
            if badKind == 2 {
                let (year, _, _) = CalendarDate.civil(Int32(seconds / 86_400))
                file.integer(year, width: 4)
                file.text("-02-30T09:00:00Z")
            } else {
                let roll = random.below(100)
                file.timestamp(seconds, style: roll < 85 ? .iso : roll < 95 ? .space : .german)
            }
        }
        try file.endRow()
        if badKind >= 0 { summary.badEmailEventRows += 1 }
    }
}

/// The purchase behaviour a synthetic customer follows.
enum Archetype: Int, CaseIterable {
    case champion, loyal, bigSpender, new, atRisk, hibernating, oneTimer

    static let all = Archetype.allCases
    static let cumulativeWeights: [Double] = {
        var total = 0.0
        return [10.0, 15, 5, 12, 15, 18, 25].map { (weight: Double) -> Double in
            total += weight
            return total
        }
    }()

    /// Mean order amount in the shop's currency.
    var amountMean: Double {
        switch self {
        case .champion: 90
        case .loyal: 60
        case .bigSpender: 600
        case .new: 50
        case .atRisk: 70
        case .hibernating: 40
        case .oneTimer: 45
        }
    }

    /// The share of received campaigns opened.
    var openRate: Double {
        switch self {
        case .champion: 0.5
        case .loyal: 0.4
        case .bigSpender: 0.35
        case .new: 0.45
        case .atRisk: 0.2
        case .hibernating: 0.1
        case .oneTimer: 0.15
        }
    }

    /// Days from signup to `asOf`, days from the last order to `asOf`, and the number of orders.
    func activity(_ random: inout SyntheticRandom) -> (signupAgo: Int, lastAgo: Int, orders: Int) {
        switch self {
        case .champion: (random.within(400...1095), random.within(0...20), random.within(20...50))
        case .loyal: (random.within(300...1095), random.within(0...60), random.within(10...30))
        case .bigSpender: (random.within(200...1095), random.within(0...120), random.within(4...12))
        case .new:
            {
                let signupAgo = random.within(5...90)
                return (signupAgo, random.within(0...signupAgo), random.within(1...3))
            }()
        case .atRisk: (random.within(500...1095), random.within(180...365), random.within(6...18))
        case .hibernating: (random.within(700...1095), random.within(400...700), random.within(2...6))
        case .oneTimer:
            {
                let signupAgo = random.within(30...1095)
                return (signupAgo, random.within(0...signupAgo), 1)
            }()
        }
    }
}
