import Foundation
import Segmentation
import Testing

@Suite struct CLVSummaryTests {
    @Test func singleOrderHasNoRepeatPurchases() throws {
        let summary = try CLVSummary(
            customerCount: 1, customerIndex: [0], orderDay: [100], amount: [25], observationDay: 130)
        #expect(summary.frequency == [0])
        #expect(summary.recency == [0])
        #expect(summary.age == [30])
        #expect(summary.monetaryValue == [0])
        #expect(summary.purchaseDays == [1])
    }

    @Test func ordersOnOneDayCountAsOnePurchase() throws {
        let summary = try CLVSummary(
            customerCount: 1, customerIndex: [0, 0, 0], orderDay: [100, 100, 100], amount: [5, 10, 15],
            observationDay: 110)
        #expect(summary.frequency == [0])
        #expect(summary.recency == [0])
        #expect(summary.age == [10])
        #expect(summary.monetaryValue == [0])
        #expect(summary.purchaseDays == [1])
    }

    @Test func repeatDaysAreSummedPerDayAndAveragedWithoutTheFirstDay() throws {
        // Customer 0: day 10 (20), day 15 (8 + 12 = 20), day 40 (50), day 200 after the observation day.
        // Customer 1: no orders. Customer 2: days 5 and 6, unsorted input.
        let summary = try CLVSummary(
            customerCount: 3,
            customerIndex: [0, 2, 0, 0, 2, 0, 0],
            orderDay: [40, 6, 10, 15, 5, 15, 200],
            amount: [50, 7, 20, 8, 3, 12, 999],
            observationDay: 50)
        #expect(summary.frequency == [2, 0, 1])
        #expect(summary.recency == [30, 0, 1])
        #expect(summary.age == [40, 0, 45])
        #expect(summary.monetaryValue == [35, 0, 7])
        #expect(summary.purchaseDays == [3, 0, 2])
    }

    @Test func outOfRangeCustomerIndexThrows() {
        #expect(throws: CLVError.self) {
            _ = try CLVSummary(customerCount: 1, customerIndex: [1], orderDay: [1], amount: [1], observationDay: 5)
        }
        #expect(throws: CLVError.self) {
            _ = try CLVSummary(customerCount: 1, customerIndex: [0], orderDay: [1, 2], amount: [1], observationDay: 5)
        }
    }

    @Test func cdnowDailySummaryMatchesLifetimes() throws {
        let transactions = try CLVFixtures.cdnowTransactions()
        let reference = try CLVFixtures.numericColumns("cdnow_daily_reference.csv")
        let ids = try #require(reference["customer_id"])
        var indexOfID: [Int: Int32] = [:]
        for (index, id) in ids.enumerated() { indexOfID[Int(id)] = Int32(index) }
        let customerIndex = transactions.customerID.map { indexOfID[$0] ?? -1 }
        #expect(!customerIndex.contains(-1))
        let summary = try CLVSummary(
            customerCount: ids.count, customerIndex: customerIndex, orderDay: transactions.day,
            amount: transactions.amount, observationDay: CLVFixtures.daysSince1970(year: 1997, month: 9, day: 30))
        #expect(summary.count == 2357)
        #expect(summary.frequency == reference["frequency"])
        #expect(summary.recency == reference["recency"])
        #expect(summary.age == reference["T"])
        let monetary = try #require(reference["monetary_value"])
        let worst = zip(summary.monetaryValue, monetary).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-9)
    }
}
