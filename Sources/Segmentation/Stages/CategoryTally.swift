import Columnar

/// Per customer: how many distinct categories their completed orders fall into, and the most frequent one.
///
/// Built from flat order columns (customer row and category ordinal per completed order) with a counting sort by
/// customer, so no per-customer dictionary is allocated. The top category is the one with the most orders; ties go
/// to the name that sorts first, so the choice never depends on the order of the rows.
/// - Complexity: O(orders + customers + categories · log categories).
struct CategoryTally: Sendable {
    /// Distinct categories per customer (0 without categorised orders).
    var distinctCount: [Int32]
    /// Ordinal (in the `names` interner) of each customer's top category, or -1.
    var top: [Int32]

    /// - Parameters:
    ///   - orderCustomer: customer row of each completed order.
    ///   - orderCategory: category ordinal of each completed order, -1 for none.
    ///   - names: the category names by ordinal.
    init(customerCount: Int, orderCustomer: [Int32], orderCategory: [Int32], names: StringInterner) {
        precondition(orderCustomer.count == orderCategory.count, "order columns differ in length")
        distinctCount = [Int32](repeating: 0, count: customerCount)
        top = [Int32](repeating: -1, count: customerCount)
        // Rank of each category name in sorted order, for the tie rule.
        let byName = (0..<names.count).sorted { names.string(at: $0) < names.string(at: $1) }
        var rank = [Int32](repeating: 0, count: names.count)
        for (position, ordinal) in byName.enumerated() { rank[ordinal] = Int32(position) }

        // Counting sort of the categorised orders by customer.
        var start = [Int](repeating: 0, count: customerCount + 1)
        for (customer, category) in zip(orderCustomer, orderCategory) where category >= 0 {
            start[Int(customer) + 1] += 1
        }
        for customer in 0..<customerCount { start[customer + 1] += start[customer] }
        var next = start
        var grouped = [Int32](repeating: 0, count: start[customerCount])
        for (customer, category) in zip(orderCustomer, orderCategory) where category >= 0 {
            grouped[next[Int(customer)]] = category
            next[Int(customer)] += 1
        }

        var counts = [Int32](repeating: 0, count: names.count)
        var touched: [Int32] = []
        for customer in 0..<customerCount where start[customer] < start[customer + 1] {
            touched.removeAll(keepingCapacity: true)
            for position in start[customer]..<start[customer + 1] {
                let category = Int(grouped[position])
                if counts[category] == 0 { touched.append(Int32(category)) }
                counts[category] += 1
            }
            var best = Int(touched[0])
            for candidate in touched.dropFirst() {
                let category = Int(candidate)
                if counts[category] > counts[best] || (counts[category] == counts[best] && rank[category] < rank[best])
                {
                    best = category
                }
            }
            distinctCount[customer] = Int32(touched.count)
            top[customer] = Int32(best)
            for category in touched { counts[Int(category)] = 0 }
        }
    }
}

/// The canonical order statuses the features distinguish (clean maps every source status onto these names).
enum OrderStatusKind {
    case completed, returned, other

    init(_ name: String) {
        switch name {
        case "completed": self = .completed
        case "returned": self = .returned
        default: self = .other
        }
    }
}

/// The email event types the features count.
enum EmailEventKind {
    case sent, open, click, unsubscribe, other

    init(_ name: String) {
        switch name {
        case "sent": self = .sent
        case "open": self = .open
        case "click": self = .click
        case "unsubscribe": self = .unsubscribe
        default: self = .other
        }
    }
}
