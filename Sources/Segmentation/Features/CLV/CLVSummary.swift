/// Per-customer repeat-purchase summary statistics, as the `lifetimes` library's
/// `summary_data_from_transaction_data` defines them with daily periods.
///
/// Orders are first aggregated per customer and day (amounts summed). Then, for each customer:
/// - `frequency`: the number of repeat purchase days (distinct purchase days − 1);
/// - `recency`: days between the first and the last purchase day (0 without repeat purchases);
/// - `age` (T in the literature): days between the first purchase day and the observation day;
/// - `monetaryValue`: the mean daily amount over the repeat purchase days (the first purchase day is
///   excluded), 0 when `frequency` is 0.
///
/// Orders after the observation day are ignored. A customer without any order on or before the observation
/// day has `purchaseDays` 0 and all statistics 0; model fitting skips such customers and CLV prediction
/// gives them 0.
public struct CLVSummary: Sendable, Hashable {
    /// Repeat purchase days per customer (x).
    public var frequency: [Double]
    /// Days from the first to the last purchase day per customer (t_x).
    public var recency: [Double]
    /// Days from the first purchase day to the observation day per customer (T).
    public var age: [Double]
    /// Mean amount per repeat purchase day per customer (m), 0 without repeat purchases.
    public var monetaryValue: [Double]
    /// Distinct purchase days per customer up to the observation day; 0 means the customer has no summary.
    public var purchaseDays: [Int32]

    /// The number of customers.
    public var count: Int { frequency.count }

    /// Creates a summary from precomputed statistics (for instance from a database aggregate).
    public init(
        frequency: [Double], recency: [Double], age: [Double], monetaryValue: [Double], purchaseDays: [Int32]
    ) {
        self.frequency = frequency
        self.recency = recency
        self.age = age
        self.monetaryValue = monetaryValue
        self.purchaseDays = purchaseDays
    }

    /// Computes the summary statistics from order columns.
    ///
    /// - Parameters:
    ///   - customerCount: The number of customers; customer indices run from 0 to `customerCount − 1`.
    ///   - customerIndex: The customer of each order.
    ///   - orderDay: The day of each order, in days since 1970-01-01.
    ///   - amount: The value of each order.
    ///   - observationDay: The observation (as-of) day; later orders are ignored.
    /// - Throws: ``CLVError`` with code `invalidInput` when the columns differ in length or a customer index
    ///   is out of range.
    /// - Complexity: O(n log m) for n orders and at most m orders per customer; allocates only per-customer
    ///   arrays and one index array, never per order.
    public init(
        customerCount: Int, customerIndex: [Int32], orderDay: [Int32], amount: [Double], observationDay: Int32
    ) throws(CLVError) {
        let orderCount = customerIndex.count
        guard orderDay.count == orderCount, amount.count == orderCount else {
            throw CLVError(
                .invalidInput,
                "order columns differ in length (customer index \(orderCount), day \(orderDay.count), "
                    + "amount \(amount.count)); pass one value per order in each column")
        }
        guard customerCount >= 0 else {
            throw CLVError(.invalidInput, "customer count \(customerCount) is negative")
        }
        // Counting sort of the orders up to the observation day by customer (CSR layout).
        var start = [Int](repeating: 0, count: customerCount + 1)
        for row in 0..<orderCount where orderDay[row] <= observationDay {
            let customer = Int(customerIndex[row])
            guard customer >= 0, customer < customerCount else {
                throw CLVError(
                    .invalidInput,
                    "order \(row) has customer index \(customer), outside 0..<\(customerCount); "
                        + "map every order to a known customer first")
            }
            start[customer + 1] += 1
        }
        for customer in 0..<customerCount { start[customer + 1] += start[customer] }
        var next = start
        var rows = [Int32](repeating: 0, count: start[customerCount])
        for row in 0..<orderCount where orderDay[row] <= observationDay {
            let customer = Int(customerIndex[row])
            rows[next[customer]] = Int32(truncatingIfNeeded: row)
            next[customer] += 1
        }

        var frequency = [Double](repeating: 0, count: customerCount)
        var recency = [Double](repeating: 0, count: customerCount)
        var age = [Double](repeating: 0, count: customerCount)
        var monetaryValue = [Double](repeating: 0, count: customerCount)
        var purchaseDays = [Int32](repeating: 0, count: customerCount)
        orderDay.withUnsafeBufferPointer { days in
            amount.withUnsafeBufferPointer { amounts in
                rows.withUnsafeMutableBufferPointer { rows in
                    for customer in 0..<customerCount {
                        let lower = start[customer]
                        let upper = start[customer + 1]
                        guard lower < upper else { continue }
                        var slice = rows[lower..<upper]
                        slice.sort { days[Int($0)] < days[Int($1)] }
                        let firstDay = days[Int(slice[lower])]
                        var lastDay = firstDay
                        var distinctDays: Int32 = 1
                        var repeatTotal = 0.0
                        for position in lower..<upper {
                            let row = Int(slice[position])
                            let day = days[row]
                            if day != lastDay {
                                distinctDays += 1
                                lastDay = day
                            }
                            if day != firstDay { repeatTotal += amounts[row] }
                        }
                        purchaseDays[customer] = distinctDays
                        frequency[customer] = Double(distinctDays - 1)
                        recency[customer] = Double(lastDay - firstDay)
                        age[customer] = Double(observationDay - firstDay)
                        monetaryValue[customer] = distinctDays > 1 ? repeatTotal / Double(distinctDays - 1) : 0
                    }
                }
            }
        }
        self.init(
            frequency: frequency, recency: recency, age: age, monetaryValue: monetaryValue,
            purchaseDays: purchaseDays)
    }
}
