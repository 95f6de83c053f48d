import Columnar
import Foundation
import Logging

/// Merges customer records that are the same person and remaps orders and events to the merged ids.
///
/// Rules (pipeline `dedupe.rules`): `email` and `phone` merge records with the same normalised value; `fuzzy`
/// compares records that share a blocking key (postal code, phonetic last name, birth date, …) on names, email,
/// phone, postal code, city and birth date and merges pairs scoring at least `dedupe.threshold`. Blocks larger
/// than `max_block_size` are skipped and merges beyond `max_group_size` refused — both reported — so one weak
/// link cannot chain unrelated people. The merged id is the smallest source id of the group (byte order), so the
/// same data gives the same ids every night. Survivorship per field follows `dedupe.survivorship`.
struct DedupeStage {
    let context: StageContext
    /// Rows of orders or email events remapped a slice at a time (whole record batches adding up to at least this).
    var sliceRows = InputBatches.defaultSliceRows

    func run(_ inputs: StageInputs) throws(PipelineError) -> StageOutput {
        let customers = try inputs.table("customers", of: .clean)
        let ids = try customers.strings("customer_id")
        let count = customers.rowCount
        let settings = context.configuration.dedupe
        let clock = ContinuousClock()
        let started = clock.now

        let configuration = try matcherConfiguration()
        // The match, and beside it the customers in id order (used once the groups are known).
        let (result, byID) = try concurrently(
            { () throws(PipelineError) -> MatchResult in
                if configuration.blockingKeys.isEmpty {
                    // Exact rules only: keys hashed on the column bytes, no matcher records.
                    var pairs: [MatchPair] = []
                    for rule in configuration.exactRules {
                        let name = rule == .email ? "email" : "phone"
                        pairs += ExactMatch.pairs(
                            byKey: try customers.strings(name), validity: try customers.validity(name),
                            rule: rule.rawValue)
                    }
                    return FuzzyMatcher.merging(
                        pairs, recordCount: count, maximumGroupSize: configuration.maximumGroupSize,
                        statistics: MatchStatistics())
                }
                return FuzzyMatcher(configuration: configuration).match(try matchRecords(customers))
            }, { () throws(PipelineError) in Self.rowsByID(ids) })
        try context.checkCancellation()
        // Best rule (a number into `rules`) and score per record, from the pairs that merged it.
        var rules = ["identity"]
        var ruleNumbers = ["identity": Int32(0)]
        var ruleOf = [Int32](repeating: 0, count: count)
        var scoreOf = [Double](repeating: 1, count: count)
        var bestScore = [Double](repeating: -1, count: count)
        for pair in result.pairs {
            let rule =
                ruleNumbers[pair.rule]
                ?? {
                    rules.append(pair.rule)
                    ruleNumbers[pair.rule] = Int32(rules.count - 1)
                    return Int32(rules.count - 1)
                }()
            for record in [pair.first, pair.second] where pair.score > bestScore[record] {
                bestScore[record] = pair.score
                ruleOf[record] = rule
                scoreOf[record] = pair.score
            }
        }

        // Merged records in the byte order of their id (the smallest of the group), a group's members by id.
        var rankByID = [Int32](repeating: 0, count: count)
        for (rank, row) in byID.enumerated() { rankByID[row] = Int32(rank) }
        let groups = result.groups.map { group in group.sorted { rankByID[$0] < rankByID[$1] } }
        var groupOf = [Int32](repeating: -1, count: count)
        for (index, group) in groups.enumerated() { for row in group { groupOf[row] = Int32(index) } }
        // Equal ids would be neighbours in id order.
        let repeated = ids.withUnsafeStorage { offsets, bytes -> Int? in
            guard let base = bytes.baseAddress else { return byID.count > 1 ? byID[1] : nil }
            for (previous, row) in zip(byID, byID.dropFirst()) {
                let length = offsets[row + 1] - offsets[row]
                if length == offsets[previous + 1] - offsets[previous],
                    memcmp(base + offsets[previous], base + offsets[row], length) == 0
                {
                    return row
                }
            }
            return nil
        }
        if let row = repeated {
            throw PipelineError(
                .checkpoint, "the clean customers repeat customer_id \"\(ids[row])\"; rerun clean with --force")
        }
        // Per merged record: its row (the group's smallest id) and group (-1 alone); per id map row: the source row
        // and the merged record's row.
        var leaders: [Int] = []
        var leaderGroup: [Int32] = []
        var mapRows: [Int] = []
        var mapLeaders: [Int] = []
        leaders.reserveCapacity(count)
        leaderGroup.reserveCapacity(count)
        mapRows.reserveCapacity(count)
        mapLeaders.reserveCapacity(count)
        for row in byID {
            let group = Int(groupOf[row])
            if group < 0 {
                leaders.append(row)
                leaderGroup.append(-1)
                mapRows.append(row)
                mapLeaders.append(row)
            } else if groups[group][0] == row {
                leaders.append(row)
                leaderGroup.append(Int32(group))
                for member in groups[group] {
                    mapRows.append(member)
                    mapLeaders.append(row)
                }
            }
        }
        var mergedRowOf = [Int32](repeating: 0, count: count)
        for (row, leader) in zip(mapRows, mapLeaders) { mergedRowOf[row] = Int32(leader) }

        var mapRule = StringColumn(capacity: count, byteCapacity: count * 8)
        var mapScore: [Double] = []
        mapScore.reserveCapacity(count)
        var mergedPerRule = [Int64](repeating: 0, count: rules.count)
        let ruleBytes = rules.map { Array($0.utf8) }
        for (row, leader) in zip(mapRows, mapLeaders) {
            let merged = groupOf[row] >= 0
            let rule = merged ? Int(ruleOf[row]) : 0
            ruleBytes[rule].withUnsafeBufferPointer { mapRule.append(utf8: $0) }
            mapScore.append(merged ? scoreOf[row] : 1)
            if merged, row != leader { mergedPerRule[rule] += 1 }
        }
        var mergedByRule: [String: Int64] = [:]
        for (rule, merged) in zip(rules, mergedPerRule) where merged > 0 { mergedByRule[rule] = merged }
        let duplicatesMerged = Int64(count - leaders.count)
        let largestGroup = groups.reduce(1) { max($0, $1.count) }
        let sourceCounts = leaderGroup.map { $0 < 0 ? Int64(1) : Int64(groups[Int($0)].count) }

        // Each column of the merged customers gathers the leaders' rows, except in merged groups, where the
        // survivorship policy picks the row per column.
        let signup = try customers.dates("signup_date")
        let signupValid = try customers.validity("signup_date")
        var bySignupOf: [Int32: [Int]] = [:]
        for group in leaderGroup where group >= 0 {
            // Most recent signup first; records without a signup date last; ties by source id order.
            bySignupOf[group] = groups[Int(group)].sorted { lhs, rhs in
                let left = (signupValid?[lhs] ?? true) ? Int(signup[lhs]) : Int.min
                let right = (signupValid?[rhs] ?? true) ? Int(signup[rhs]) : Int.min
                return left != right ? left > right : lhs < rhs
            }
        }
        // Each column gathered on its own, the columns spread over the cores (with the id map's two id columns).
        let survivorship = settings.survivorship
        let (leadersNow, leaderGroupNow, groupsNow, bySignup) = (leaders, leaderGroup, groups, bySignupOf)
        let kept = customers.columns.filter { $0.name != CanonicalSchema.lineColumn }
        enum Gathered: Sendable {
            case merged(Column)
            case mapSources, mapLeaders
        }
        let gatherings = kept.map { Gathered.merged($0) } + [.mapSources, .mapLeaders]
        let (mapRowsNow, mapLeadersNow) = (mapRows, mapLeaders)
        let gathered = try concurrentMap(gatherings) { item throws(PipelineError) -> Column in
            switch item {
            case .mapSources: return Column(name: "source_customer_id", values: .utf8(ids.gathering(mapRowsNow)))
            case .mapLeaders: return Column(name: "customer_id", values: .utf8(ids.gathering(mapLeadersNow)))
            case .merged(let column):
                var rows = leadersNow
                if column.name != "customer_id" {
                    let policy =
                        survivorship[column.name] ?? (column.name == "signup_date" ? "earliest" : "most_recent")
                    for (record, group) in leaderGroupNow.enumerated() where group >= 0 {
                        let members = groupsNow[Int(group)]
                        rows[record] = Self.survivor(
                            of: members, bySignup: bySignup[group] ?? members, column: column, policy: policy)
                    }
                }
                return Self.gathered(column, rows)
            }
        }
        let merged = try makeTable(
            Array(gathered.prefix(kept.count)) + [Column(name: "source_records", values: .int64(sourceCounts))])
        let idMap = try makeTable([
            gathered[kept.count], gathered[kept.count + 1],
            Column(name: "rule", values: .utf8(mapRule)),
            Column(name: "score", values: .float64(mapScore)),
        ])
        var recordOf = [Int32](repeating: 0, count: count)
        for (record, leader) in leaders.enumerated() { recordOf[leader] = Int32(record) }
        for row in 0..<count { recordOf[row] = recordOf[Int(mergedRowOf[row])] }
        try context.checkCancellation()
        // Orders and events stream through a slice at a time, side by side, into the checkpoint; the merged customers
        // and the id map, final already, are written beside them (written after them, the two files were the
        // stage's last half second on one core). With `write_orders_and_events: false` the features stage reads
        // clean's orders and events itself and finds each one's merged customer through `merged_rows`.
        let writesFacts = settings.writeOrdersAndEvents
        // Without them, the merged row of each clean customer, in clean's order, for the features stage.
        let mergedRows =
            writesFacts
            ? nil : try makeTable([Column(name: "merged_row", values: .int64(recordOf.map { Int64($0) }))])
        // With them, clean's orders and events and how their customer ids are recoded.
        let facts =
            writesFacts
            ? (
                remapping: Remapping(
                    ids: ids, mergedRowOf: mergedRowOf, mergedIDs: try merged.strings("customer_id"),
                    recordOf: recordOf, ticker: RowTicker(context)),
                orders: try inputs.batches("orders", of: .clean), events: try inputs.batches("email_events", of: .clean)
            ) : nil
        let (output, sliceRows) = (context.checkpointOutput, sliceRows)
        let ((orders, events), files) = try concurrently(
            { () throws(PipelineError) -> (TableSink.Finished?, TableSink.Finished?) in
                guard let facts else { return (nil, nil) }
                return try concurrently(
                    { () throws(PipelineError) in
                        try facts.remapping.apply(
                            to: facts.orders, named: "orders", sliceRows: sliceRows, output: output)
                    },
                    { () throws(PipelineError) in
                        try facts.remapping.apply(
                            to: facts.events, named: "email_events", sliceRows: sliceRows, output: output)
                    })
            },
            { () throws(PipelineError) -> [StageManifest.File]? in
                guard let output else { return nil }
                let (customersFile, mapFile) = try concurrently(
                    { () throws(PipelineError) in try output.write(merged, named: "customers") },
                    { () throws(PipelineError) in try output.write(idMap, named: "customer_id_map") })
                guard let mergedRows else { return [customersFile, mapFile] }
                return [customersFile, mapFile, try output.write(mergedRows, named: "merged_rows")]
            })
        try context.checkCancellation()
        for block in result.skippedBlocks.prefix(20) {
            context.logger.info(
                "block too large to compare",
                metadata: ["key": "\(block.key)", "value": "\(block.value)", "size": "\(block.size)"])
        }
        for pair in result.refusedMerges.prefix(20) {
            context.logger.info(
                "merge refused: group would exceed dedupe.max_group_size",
                metadata: ["first": "\(ids[pair.first])", "second": "\(ids[pair.second])", "score": "\(pair.score)"])
        }
        let statistics = result.statistics
        let metrics: [String: JSONValue] = [
            "customers_in": .int(Int64(count)),
            "customers_out": .int(Int64(merged.rowCount)),
            "duplicates_merged": .int(duplicatesMerged),
            "duplicates_merged_by_rule": .object(mergedByRule.mapValues { .int($0) }),
            "largest_group": .int(Int64(largestGroup)),
            "rules": .array(settings.rules.map { .string($0) }),
            "comparisons": .int(Int64(statistics.comparisons)),
            "largest_block": .int(Int64(statistics.largestBlock)),
            "pairs_found": .int(Int64(statistics.pairsFound)),
            "blocks_skipped": .int(Int64(statistics.blocksSkipped)),
            "merges_refused": .int(Int64(statistics.mergesRefused)),
            "skipped_blocks": .array(
                result.skippedBlocks.prefix(50).map {
                    .object(["key": .string($0.key), "value": .string($0.value), "size": .int(Int64($0.size))])
                }),
            "match_seconds": .double(Self.seconds(clock.now - started)),
        ]
        var stageOutput = StageOutput(tables: [], metrics: metrics)
        if let files {
            stageOutput.files = files
        } else {
            stageOutput.tables = [("customers", merged), ("customer_id_map", idMap)]
            if let mergedRows { stageOutput.tables.append(("merged_rows", mergedRows)) }
        }
        if let orders, let events {
            stageOutput.add(orders, named: "orders")
            stageOutput.add(events, named: "email_events")
        }
        return stageOutput
    }

    /// The matcher settings from the pipeline's dedupe section.
    private func matcherConfiguration() throws(PipelineError) -> FuzzyMatcher.Configuration {
        let settings = context.configuration.dedupe
        var configuration = FuzzyMatcher.Configuration()
        configuration.exactRules = settings.rules.compactMap { FuzzyMatcher.ExactRule(rawValue: $0) }
        if !settings.rules.contains("fuzzy") { configuration.blockingKeys = [] }
        configuration.threshold = settings.threshold
        configuration.maximumBlockSize = settings.maxBlockSize
        configuration.maximumGroupSize = settings.maxGroupSize
        return configuration
    }

    /// The cleaned customers as matcher records (values are already normalised by the clean stage).
    private func matchRecords(_ customers: Table) throws(PipelineError) -> [MatchRecord] {
        func column(_ name: String) throws(PipelineError) -> (StringColumn, [Bool]?) {
            (try customers.strings(name), try customers.validity(name))
        }
        let ids = try customers.strings("customer_id")
        let email = try column("email")
        let phone = try column("phone")
        let first = try column("first_name")
        let last = try column("last_name")
        let postal = try column("postal_code")
        let city = try column("city")
        let country = try column("country")
        let birth = try customers.dates("birth_date")
        let birthValid = try customers.validity("birth_date")
        return (0..<customers.rowCount).map { row in
            func value(_ column: (StringColumn, [Bool]?)) -> String? {
                guard column.1?[row] ?? true, column.0.byteCount(at: row) > 0 else { return nil }
                return column.0[row]
            }
            return MatchRecord(
                id: ids[row], email: value(email), phone: value(phone), firstName: value(first), lastName: value(last),
                postalCode: value(postal), city: value(city), country: value(country),
                birthDate: (birthValid?[row] ?? true) ? birth[row] : nil)
        }
    }

    /// Every row, ordered by the bytes of its id (ties, which the caller refuses, in row order); one pass when the
    /// rows already are in that order, as exports sorted by customer id are.
    static func rowsByID(_ ids: StringColumn) -> [Int] {
        if ids.isAscending(strictly: false) { return Array(0..<ids.count) }
        return ids.withUnsafeStorage { offsets, bytes in
            (0..<ids.count).sorted { left, right in
                let leftID = UnsafeBufferPointer(rebasing: bytes[offsets[left]..<offsets[left + 1]])
                return leftID.lexicographicallyPrecedes(
                    UnsafeBufferPointer(rebasing: bytes[offsets[right]..<offsets[right + 1]]))
            }
        }
    }

    /// `column` at `rows`, with no validity when every gathered value is present (as a builder leaves it).
    static func gathered(_ column: Column, _ rows: [Int]) -> Column {
        let values = column.values.gathering(rows)
        guard let validity = column.validity else { return Column(name: column.name, values: values) }
        let gatheredValidity = rows.map { validity[$0] }
        return Column(
            name: column.name, values: values,
            validity: gatheredValidity.allSatisfy { $0 } ? nil : gatheredValidity)
    }

    /// The record of `group` whose value of `column` the merged customer keeps.
    static func survivor(of group: [Int], bySignup: [Int], column: Column, policy: String) -> Int {
        let present = { (row: Int) -> Bool in column.isValid(row) && !Self.isEmptyText(column, row) }
        switch policy {
        case "oldest":
            return bySignup.reversed().first(where: present) ?? group[0]
        case "smallest_id":
            return group.first(where: present) ?? group[0]
        case "longest":
            guard column.type == .utf8 else { return bySignup.first(where: present) ?? group[0] }
            return group.filter(present).max { textBytes(column, $0) < textBytes(column, $1) } ?? group[0]
        case "earliest", "latest":
            guard case .date32(let dates) = column.values else { return bySignup.first(where: present) ?? group[0] }
            let candidates = group.filter(present)
            let pick =
                policy == "earliest"
                ? candidates.min { dates[$0] < dates[$1] } : candidates.max { dates[$0] < dates[$1] }
            return pick ?? group[0]
        default:
            return bySignup.first(where: present) ?? bySignup[0]
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func isEmptyText(_ column: Column, _ row: Int) -> Bool {
        column.type == .utf8 && textBytes(column, row) == 0
    }

    /// The byte length of row `row` of a text column (0 for other types).
    private static func textBytes(_ column: Column, _ row: Int) -> Int {
        switch column.values {
        case .utf8(let strings): strings.byteCount(at: row)
        case .dictionary(let coded): coded.byteCount(at: row)
        default: 0
        }
    }

    private func makeTable(_ columns: [Column]) throws(PipelineError) -> Table {
        do {
            return try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "dedupe produced an inconsistent table", underlying: error)
        }
    }
}

/// Rewrites the `customer_id` of orders and events from source ids to merged ids.
///
/// A dictionary-encoded column (as clean writes it: each row's code is its customer's clean row) is remapped on
/// the codes: each dictionary entry is mapped once to its merged customer's row in the merged customers, whose ids
/// become the dictionary, and every row's code goes through that map. A plain column is remapped on its bytes:
/// only the rows of customers merged into another record change. Their source ids are few (the duplicates), so
/// they sit in a small hash table that stays in the CPU cache while every row is looked up; a row whose id is not
/// there keeps it. When each replacement id is as long as the id it replaces (fixed-width ids), the bytes are
/// patched in place and the offsets are shared with the source column. Every order and event references a clean
/// customer: clean rejects (or maps to the placeholder customer) the rows of unknown ones.
struct Remapping: Sendable {
    /// The clean customers' ids.
    let ids: StringColumn
    /// Row of the merged record of each row.
    let mergedRowOf: [Int32]
    /// The merged customers' ids, in their row order.
    let mergedIDs: StringColumn
    /// The row in the merged customers of each clean row.
    let recordOf: [Int32]
    /// Progress and cancellation, a block of rows at a time.
    let ticker: RowTicker
    /// The ids of rows merged into another row, and the row each one is merged into (by ordinal).
    private let moved: FrozenInterner
    private let targetOf: [Int32]

    init(ids: StringColumn, mergedRowOf: [Int32], mergedIDs: StringColumn, recordOf: [Int32], ticker: RowTicker) {
        self.ids = ids
        self.mergedRowOf = mergedRowOf
        self.mergedIDs = mergedIDs
        self.recordOf = recordOf
        self.ticker = ticker
        let moved = StringInterner(capacity: 64)
        var targetOf: [Int32] = []
        ids.withUnsafeStorage { offsets, bytes in
            for row in mergedRowOf.indices where Int(mergedRowOf[row]) != row {
                moved.insert(UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]]))
                targetOf.append(mergedRowOf[row])
            }
        }
        self.moved = FrozenInterner(interner: moved)
        self.targetOf = targetOf
    }

    /// Remaps every slice of `input` into the table `name` of the checkpoint (or of the output, without one).
    func apply(to input: InputBatches, named name: String, sliceRows: Int, output: CheckpointOutput?)
        throws(PipelineError) -> TableSink.Finished
    {
        var codeMap: CodeMap?
        return try TableSink.stream(input, rows: sliceRows, into: name, output: output) { slice throws(PipelineError) in
            try apply(to: slice, codeMap: &codeMap)
        }
    }

    /// How the codes of one input dictionary map to the output's: the input dictionary, the merged row of each of its
    /// entries, and the output dictionary (the merged ids, then any entry that is not a clean customer's id).
    struct CodeMap {
        var input: StringColumn
        var codeOf: [Int32]
        var output: StringColumn
    }

    /// The map of the codes of `dictionary`: each entry's clean row (its code itself when the dictionary is the
    /// clean ids, as clean writes it) taken to its merged row.
    func codeMap(for dictionary: StringColumn) -> CodeMap {
        var output = mergedIDs
        // Clean's dictionary is the clean ids (the first of them when the placeholder customer was added to the
        // customers for the other table's orphans), perhaps followed by the placeholder customer's.
        guard let rows = dictionary.rows(in: ids, index: { StringInterner(ids) }) else {
            return CodeMap(input: dictionary, codeOf: Array(recordOf[0..<dictionary.count]), output: output)
        }
        var codeOf: [Int32] = []
        codeOf.reserveCapacity(dictionary.count)
        for (entry, row) in rows.enumerated() {
            if row >= 0 {
                codeOf.append(recordOf[Int(row)])
            } else {
                // Not a clean customer's id: kept as it is.
                codeOf.append(Int32(output.count))
                dictionary.withUTF8(at: entry) { output.append(utf8: $0) }
            }
        }
        return CodeMap(input: dictionary, codeOf: codeOf, output: output)
    }

    func apply(to table: Table) throws(PipelineError) -> Table {
        var codeMap: CodeMap?
        return try apply(to: table, codeMap: &codeMap)
    }

    /// Remaps `table`, reusing `codeMap` while the dictionary of its `customer_id` column is the one mapped before.
    func apply(to table: Table, codeMap: inout CodeMap?) throws(PipelineError) -> Table {
        if case .dictionary(let coded) = try table.requireColumn("customer_id").values {
            if codeMap == nil || codeMap?.input != coded.dictionary { codeMap = self.codeMap(for: coded.dictionary) }
            guard let map = codeMap else { return table }
            var remapped = [Int32](repeating: -1, count: coded.count)
            var cancelled = false
            var ticker = self.ticker
            defer { ticker.finish() }
            coded.codes.withUnsafeBufferPointer { codes in
                map.codeOf.withUnsafeBufferPointer { codeOf in
                    remapped.withUnsafeMutableBufferPointer { remapped in
                        for row in 0..<codes.count {
                            if ticker.tick() {
                                cancelled = true
                                break
                            }
                            let code = Int(codes[row])
                            if code >= 0 { remapped[row] = codeOf[code] }
                        }
                    }
                }
            }
            if cancelled { throw PipelineError(.cancelled, "cancelled by signal") }
            let column = Column(
                name: "customer_id", values: .dictionary(DictionaryColumn(codes: remapped, dictionary: map.output)),
                validity: table["customer_id"]?.validity)
            do {
                return try Table(columns: table.columns.map { $0.name == "customer_id" ? column : $0 })
            } catch {
                throw PipelineError(.internal, "dedupe produced an inconsistent table", underlying: error)
            }
        }
        guard table.rowCount > 0, !targetOf.isEmpty else { return table }
        let source = try table.strings("customer_id")
        // (row, merged row) of every row whose customer was merged into another.
        var patches: [(row: Int, target: Int)] = []
        var sameLength = true
        var cancelled = false
        var ticker = self.ticker
        defer { ticker.finish() }
        ids.withUnsafeStorage { idOffsets, _ in
            source.withUnsafeStorage { offsets, bytes in
                for row in 0..<table.rowCount {
                    if ticker.tick() {
                        cancelled = true
                        break
                    }
                    let key = UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]])
                    guard let ordinal = moved.interner.ordinal(of: key) else { continue }
                    let target = Int(targetOf[ordinal])
                    patches.append((row, target))
                    if idOffsets[target + 1] - idOffsets[target] != key.count { sameLength = false }
                }
            }
        }
        if cancelled { throw PipelineError(.cancelled, "cancelled by signal") }
        guard !patches.isEmpty else { return table }
        let remapped = sameLength ? patchedInPlace(source, patches) : rebuilt(source, patches)
        let columns = table.columns.map {
            $0.name == "customer_id" ? Column(name: "customer_id", values: .utf8(remapped)) : $0
        }
        do {
            return try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "dedupe produced an inconsistent table", underlying: error)
        }
    }

    /// `source` with the ids of the patched rows overwritten by their merged ids of the same length.
    private func patchedInPlace(_ source: StringColumn, _ patches: [(row: Int, target: Int)]) -> StringColumn {
        var bytes = source.bytes
        let offsets = source.offsets
        bytes.withUnsafeMutableBufferPointer { output in
            ids.withUnsafeStorage { idOffsets, idBytes in
                for (row, target) in patches {
                    let length = idOffsets[target + 1] - idOffsets[target]
                    for index in 0..<length { output[offsets[row] + index] = idBytes[idOffsets[target] + index] }
                }
            }
        }
        return StringColumn(offsets: offsets, bytes: bytes)
    }

    /// `source` with the patched rows taking their merged ids: the runs of rows between patches are copied whole
    /// and their offsets shifted by the length change so far.
    private func rebuilt(_ source: StringColumn, _ patches: [(row: Int, target: Int)]) -> StringColumn {
        let growth = ids.withUnsafeStorage { idOffsets, _ in
            source.withUnsafeStorage { offsets, _ in
                patches.reduce(0) {
                    $0 + (idOffsets[$1.target + 1] - idOffsets[$1.target]) - (offsets[$1.row + 1] - offsets[$1.row])
                }
            }
        }
        let rowCount = source.count
        var newOffsets = [Int](repeating: 0, count: rowCount + 1)
        var newBytes = [UInt8](repeating: 0, count: source.bytes.count + growth)
        ids.withUnsafeStorage { idOffsets, idBytes in
            source.withUnsafeStorage { offsets, bytes in
                newOffsets.withUnsafeMutableBufferPointer { newOffsets in
                    newBytes.withUnsafeMutableBufferPointer { output in
                        var delta = 0
                        var row = 0
                        func copyRun(to end: Int) {
                            for index in row..<end { newOffsets[index] = offsets[index] + delta }
                            let from = offsets[row]
                            let length = offsets[end] - from
                            if length > 0 {
                                UnsafeMutableRawPointer(output.baseAddress! + from + delta)
                                    .copyMemory(from: bytes.baseAddress! + from, byteCount: length)
                            }
                            row = end
                        }
                        for (patched, target) in patches {
                            copyRun(to: patched)
                            newOffsets[patched] = offsets[patched] + delta
                            let start = idOffsets[target]
                            let length = idOffsets[target + 1] - start
                            if length > 0 {
                                UnsafeMutableRawPointer(output.baseAddress! + offsets[patched] + delta)
                                    .copyMemory(from: idBytes.baseAddress! + start, byteCount: length)
                            }
                            delta += length - (offsets[patched + 1] - offsets[patched])
                            row = patched + 1
                        }
                        copyRun(to: rowCount)
                        newOffsets[rowCount] = offsets[rowCount] + delta
                    }
                }
            }
        }
        return StringColumn(offsets: newOffsets, bytes: newBytes)
    }
}

extension ColumnBuilder {
    /// Appends the value (or null) at `row` of `column`, which must have this builder's type.
    mutating func appendValue(of column: Column, row: Int) {
        let isValid = column.isValid(row)
        switch column.values {
        case .utf8(let values): append(isValid ? values[row] : nil)
        case .dictionary(let values): append(isValid ? values[row] : nil)
        case .int64(let values): append(isValid ? values[row] : nil)
        case .float64(let values): append(isValid ? values[row] : nil)
        case .date32(let values): append(date: isValid ? values[row] : nil)
        case .timestamp(let values): append(timestamp: isValid ? values[row] : nil)
        case .bool(let values): append(isValid ? values[row] : nil)
        }
    }
}
