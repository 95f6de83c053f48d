/// Whether a birth date can be a living customer's.
enum BirthDatePlausibility {
    /// True when `birth` (days since 1970-01-01) is not after `asOf` and the age at `asOf` is at most
    /// `maximumAge` completed years (120 by default).
    ///
    /// Ages count completed years on the civil calendar; someone born on 29 February turns a year older on
    /// 1 March in common years.
    static func isPlausible(birth: Int32, asOf: Int32, maximumAge: Int = 120) -> Bool {
        guard birth <= asOf else { return false }
        return age(birth: birth, asOf: asOf) <= maximumAge
    }

    /// Completed years between `birth` and `asOf` (days since 1970-01-01); negative when `birth` is later.
    static func age(birth: Int32, asOf: Int32) -> Int {
        let born = CalendarDate.civil(birth)
        let now = CalendarDate.civil(asOf)
        var years = now.year - born.year
        if (now.month, now.day) < (born.month, born.day) { years -= 1 }
        return years
    }
}
