/// A country's telephone numbering facts used to write national numbers in E.164.
struct PhoneRegion: Hashable, Sendable {
    /// The ISO 3166-1 alpha-2 code (`DE`).
    let code: String
    /// The country calling code without `+` (`49`).
    let callingCode: String
    /// The national trunk prefix dropped before the calling code is added (`0`), or empty where the
    /// leading zero is part of the number (Italy).
    let trunkPrefix: String
    /// The allowed lengths of the national significant number (the digits after the calling code).
    let nationalLengths: ClosedRange<Int>

    static let germany = PhoneRegion(code: "DE", callingCode: "49", trunkPrefix: "0", nationalLengths: 6...13)
    static let austria = PhoneRegion(code: "AT", callingCode: "43", trunkPrefix: "0", nationalLengths: 4...13)
    static let switzerland = PhoneRegion(code: "CH", callingCode: "41", trunkPrefix: "0", nationalLengths: 9...9)
    static let netherlands = PhoneRegion(code: "NL", callingCode: "31", trunkPrefix: "0", nationalLengths: 9...9)
    static let france = PhoneRegion(code: "FR", callingCode: "33", trunkPrefix: "0", nationalLengths: 9...9)
    static let belgium = PhoneRegion(code: "BE", callingCode: "32", trunkPrefix: "0", nationalLengths: 8...9)
    static let luxembourg = PhoneRegion(code: "LU", callingCode: "352", trunkPrefix: "", nationalLengths: 4...11)
    static let italy = PhoneRegion(code: "IT", callingCode: "39", trunkPrefix: "", nationalLengths: 6...11)
    static let spain = PhoneRegion(code: "ES", callingCode: "34", trunkPrefix: "", nationalLengths: 9...9)
    static let poland = PhoneRegion(code: "PL", callingCode: "48", trunkPrefix: "", nationalLengths: 9...9)
    static let denmark = PhoneRegion(code: "DK", callingCode: "45", trunkPrefix: "", nationalLengths: 8...8)
    static let czechia = PhoneRegion(code: "CZ", callingCode: "420", trunkPrefix: "", nationalLengths: 9...9)
    static let unitedKingdom = PhoneRegion(code: "GB", callingCode: "44", trunkPrefix: "0", nationalLengths: 9...10)
    static let unitedStates = PhoneRegion(code: "US", callingCode: "1", trunkPrefix: "1", nationalLengths: 10...10)

    /// Every region known by code.
    static let all: [PhoneRegion] = [
        germany, austria, switzerland, netherlands, france, belgium, luxembourg, italy, spain, poland, denmark,
        czechia, unitedKingdom, unitedStates,
    ]

    /// The region of an ISO 3166-1 alpha-2 code (case-insensitive), or nil when it is not known.
    static func region(code: String) -> PhoneRegion? {
        // Codes come upper-cased from clean's country normalisation: found without making a new string.
        if let region = all.first(where: { $0.code == code }) { return region }
        let upper = code.uppercased()
        return all.first { $0.code == upper }
    }

    /// The known region whose calling code starts `digits` (international digits without `+`), if any.
    static func region(startingInternational digits: Substring) -> PhoneRegion? {
        all.first { digits.hasPrefix($0.callingCode) }
    }
}
