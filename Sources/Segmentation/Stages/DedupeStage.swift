import Columnar

/// Merges customer records that are the same person and remaps orders and events to the merged ids.
///
/// Rule `email`: records with the same normalised email are one customer. Groups are closed transitively
/// with union-find. The merged id is the smallest source id of the group (byte order), so the same data gives
/// the same ids every night. Survivorship: the earliest `signup_date`; every other field takes the value of the
/// most recently signed-up record that has one.
struct DedupeStage {
    let context: StageContext

    func run(_ inputs: StageInputs) throws(PipelineError) -> StageOutput {
        let customers = try inputs.table("customers", of: .clean)
        let ids = try customers.strings("customer_id")
        let count = customers.rowCount
        var groups = UnionFind(count: count)
        var ruleOf = [String](repeating: "identity", count: count)

        for rule in context.configuration.dedupe.rules where rule == "email" {
            let emails = try customers.strings("email")
            let valid = try customers.validity("email")
            var firstWithEmail: [String: Int] = [:]
            for row in 0..<count where valid?[row] ?? true {
                let email = emails[row]
                guard !email.isEmpty else { continue }
                if let first = firstWithEmail[email] {
                    groups.union(first, row)
                    ruleOf[row] = "email"
                    ruleOf[first] = "email"
                } else {
                    firstWithEmail[email] = row
                }
            }
        }

        // Members per group root, ordered by source id so the representative is deterministic.
        var members: [Int: [Int]] = [:]
        for row in 0..<count { members[groups.find(row), default: []].append(row) }
        var groupList = members.values.map { rows in
            rows.sorted { ids[$0].utf8.lexicographicallyPrecedes(ids[$1].utf8) }
        }
        groupList.sort { ids[$0[0]].utf8.lexicographicallyPrecedes(ids[$1[0]].utf8) }

        let signup = try customers.dates("signup_date")
        let signupValid = try customers.validity("signup_date")
        var mergedIDOf: [String: String] = [:]
        mergedIDOf.reserveCapacity(count)
        var mapSource = StringColumn(capacity: count)
        var mapMerged = StringColumn(capacity: count)
        var mapRule = StringColumn(capacity: count)
        var mapScore: [Double] = []
        mapScore.reserveCapacity(count)
        var builders = customers.columns.filter { $0.name != CanonicalSchema.lineColumn }.map {
            ColumnBuilder(name: $0.name, type: $0.type, capacity: groupList.count)
        }
        var sourceCounts: [Int64] = []
        sourceCounts.reserveCapacity(groupList.count)
        var duplicatesMerged: Int64 = 0
        var largestGroup = 1

        for group in groupList {
            let mergedID = ids[group[0]]
            largestGroup = max(largestGroup, group.count)
            duplicatesMerged += Int64(group.count - 1)
            sourceCounts.append(Int64(group.count))
            for row in group {
                mergedIDOf[ids[row]] = mergedID
                mapSource.append(ids[row])
                mapMerged.append(mergedID)
                mapRule.append(group.count > 1 ? ruleOf[row] : "identity")
                mapScore.append(1.0)
            }
            // Most recent signup first; records without a signup date last; ties by source id.
            let bySignup = group.sorted { lhs, rhs in
                let left = (signupValid?[lhs] ?? true) ? Int(signup[lhs]) : Int.min
                let right = (signupValid?[rhs] ?? true) ? Int(signup[rhs]) : Int.min
                return left != right ? left > right : lhs < rhs
            }
            for index in builders.indices {
                let name = builders[index].name
                guard let column = customers[name] else { continue }
                switch name {
                case "customer_id":
                    builders[index].append(mergedID)
                case "signup_date":
                    let earliest = group.filter { signupValid?[$0] ?? true }.map { signup[$0] }.min()
                    builders[index].append(date: earliest)
                default:
                    let source =
                        bySignup.first { row in column.isValid(row) && !isEmptyText(column, row) } ?? bySignup[0]
                    builders[index].appendValue(of: column, row: source)
                }
            }
        }
        var mergedColumns = builders.map { $0.build() }
        mergedColumns.append(Column(name: "source_records", values: .int64(sourceCounts)))
        let merged = try makeTable(mergedColumns)
        let idMap = try makeTable([
            Column(name: "source_customer_id", values: .utf8(mapSource)),
            Column(name: "customer_id", values: .utf8(mapMerged)),
            Column(name: "rule", values: .utf8(mapRule)),
            Column(name: "score", values: .float64(mapScore)),
        ])
        let orders = try remap(try inputs.table("orders", of: .clean), using: mergedIDOf)
        let events = try remap(try inputs.table("email_events", of: .clean), using: mergedIDOf)
        let metrics: [String: JSONValue] = [
            "customers_in": .int(Int64(count)),
            "customers_out": .int(Int64(merged.rowCount)),
            "duplicates_merged": .int(duplicatesMerged),
            "largest_group": .int(Int64(largestGroup)),
            "rules": .array(context.configuration.dedupe.rules.map { .string($0) }),
        ]
        return StageOutput(
            tables: [("customers", merged), ("customer_id_map", idMap), ("orders", orders), ("email_events", events)],
            metrics: metrics)
    }

    private func isEmptyText(_ column: Column, _ row: Int) -> Bool {
        if case .utf8(let strings) = column.values { return strings.byteCount(at: row) == 0 }
        return false
    }

    private func remap(_ table: Table, using mergedIDOf: [String: String]) throws(PipelineError) -> Table {
        guard table.rowCount > 0 else { return table }
        let ids = try table.strings("customer_id")
        var remapped = StringColumn(capacity: table.rowCount, byteCapacity: ids.bytes.count)
        for row in 0..<table.rowCount {
            let id = ids[row]
            guard let merged = mergedIDOf[id] else {
                throw PipelineError(.internal, "customer \"\(id)\" passed clean but is not in the merged customers")
            }
            remapped.append(merged)
        }
        let columns = table.columns.map {
            $0.name == "customer_id" ? Column(name: "customer_id", values: .utf8(remapped)) : $0
        }
        return try makeTable(columns)
    }

    private func makeTable(_ columns: [Column]) throws(PipelineError) -> Table {
        do {
            return try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "dedupe produced an inconsistent table", underlying: error)
        }
    }
}

extension ColumnBuilder {
    /// Appends the value (or null) at `row` of `column`, which must have this builder's type.
    mutating func appendValue(of column: Column, row: Int) {
        let isValid = column.isValid(row)
        switch column.values {
        case .utf8(let values): append(isValid ? values[row] : nil)
        case .int64(let values): append(isValid ? values[row] : nil)
        case .float64(let values): append(isValid ? values[row] : nil)
        case .date32(let values): append(date: isValid ? values[row] : nil)
        case .timestamp(let values): append(timestamp: isValid ? values[row] : nil)
        case .bool(let values): append(isValid ? values[row] : nil)
        }
    }
}

/// Disjoint sets over `0..<count` with path halving and union by size.
struct UnionFind {
    private var parent: [Int]
    private var size: [Int]

    init(count: Int) {
        parent = Array(0..<count)
        size = Array(repeating: 1, count: count)
    }

    /// The representative of `element`'s set.
    mutating func find(_ element: Int) -> Int {
        var current = element
        while parent[current] != current {
            parent[current] = parent[parent[current]]
            current = parent[current]
        }
        return current
    }

    /// Joins the sets of `a` and `b`.
    mutating func union(_ a: Int, _ b: Int) {
        var rootA = find(a)
        var rootB = find(b)
        guard rootA != rootB else { return }
        if size[rootA] < size[rootB] { swap(&rootA, &rootB) }
        parent[rootB] = rootA
        size[rootA] += size[rootB]
    }
}
