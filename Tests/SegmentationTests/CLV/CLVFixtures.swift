import Foundation

/// Reads the CLV reference fixtures (made by scripts/fixtures/make_clv_fixtures.py) next to this file.
enum CLVFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    struct Reference: Decodable {
        struct BetaGeometric: Decodable {
            var r: Double, alpha: Double, a: Double, b: Double
            var meanNegativeLogLikelihood: Double?
        }
        struct GammaGamma: Decodable {
            var p: Double, q: Double, v: Double
            var meanNegativeLogLikelihood: Double?
            var customerCount: Int?
        }
        struct Models: Decodable {
            var betaGeometric: BetaGeometric
            var gammaGamma: GammaGamma
        }
        struct Customer: Decodable {
            var id: Int
            var frequency: Double, recency: Double, T: Double, monetaryValue: Double
            var expectedPurchases1: Double, expectedPurchases10: Double, expectedPurchases52: Double
            var probabilityAlive: Double
            var expectedAverageValue: Double?
            var clv12Weekly: Double?
        }
        struct Weekly: Decodable {
            var betaGeometric: BetaGeometric
            var gammaGamma: GammaGamma
            var penalizer: Double
            var spendPenalizer: Double
            var penalizedBetaGeometric: BetaGeometric
            var penalizedGammaGamma: GammaGamma
            var customers: [Customer]
        }
        struct Daily: Decodable {
            var observationEnd: String
            var customerCount: Int
            var betaGeometric: BetaGeometric
            var gammaGamma: GammaGamma
        }
        struct HypergeometricCase: Decodable {
            var a: Double, b: Double, c: Double, z: Double, value: Double
        }
        var published: Models
        var weekly: Weekly
        var daily: Daily
        var hyp2f1: [HypergeometricCase]
    }

    static func reference() throws -> Reference {
        let data = try Data(contentsOf: folder.appendingPathComponent("lifetimes_reference.json"))
        return try JSONDecoder().decode(Reference.self, from: data)
    }

    /// A CSV file with a header and numeric fields, as columns by header name (empty fields are NaN).
    static func numericColumns(_ name: String) throws -> [String: [Double]] {
        let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { return [:] }
        let header = lines.removeFirst().split(separator: ",").map(String.init)
        var columns = [[Double]](repeating: [], count: header.count)
        for line in lines {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            for (index, field) in fields.enumerated() where index < header.count {
                columns[index].append(Double(field) ?? .nan)
            }
        }
        return Dictionary(uniqueKeysWithValues: zip(header, columns))
    }

    /// The CDNOW sample transactions: customer id, day (days since 1970), amount per order.
    static func cdnowTransactions() throws -> (customerID: [Int], day: [Int32], amount: [Double]) {
        let text = try String(contentsOf: folder.appendingPathComponent("CDNOW_sample.txt"), encoding: .utf8)
        var customerID: [Int] = []
        var day: [Int32] = []
        var amount: [Double] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ")
            guard fields.count == 5, let id = Int(fields[0]), let date = Int(fields[2]), let value = Double(fields[4])
            else { continue }
            customerID.append(id)
            day.append(daysSince1970(year: date / 10000, month: date / 100 % 100, day: date % 100))
            amount.append(value)
        }
        return (customerID, day, amount)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date, by Howard Hinnant's days_from_civil.
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int32 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return Int32(era * 146_097 + dayOfEra - 719_468)
    }

    /// Whether `value` agrees with `published` to two significant digits (within half a unit of the second).
    static func agreesToTwoSignificantDigits(_ value: Double, _ published: Double) -> Bool {
        let unit = pow(10, (log10(abs(published))).rounded(.down) - 1)
        return abs(value - published) <= 0.5 * unit
    }

    static func relativeDifference(_ value: Double, _ expected: Double) -> Double {
        abs(value - expected) / max(abs(expected), 1e-12)
    }
}
