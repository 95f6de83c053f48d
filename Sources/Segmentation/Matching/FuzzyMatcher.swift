import Foundation
import Synchronization

/// Finds records of the same customer: exact rules, then blocked fuzzy comparisons, then guarded union-find.
///
/// 1. Exact rules (``Configuration/exactRules``) link records with the same e-mail or phone (score 1).
/// 2. Blocking: every ``Configuration/blockingKeys`` key puts records with the same key value in one block.
///    Blocks larger than ``Configuration/maximumBlockSize`` are skipped and reported. Within a block every pair
///    is scored once; a pair already sharing an earlier compared block is not scored again.
/// 3. Score: the weighted mean of field similarities (``FieldWeights``): Jaro-Winkler on folded first name, last
///    name and city (so `Müller` = `Mueller`), equality for e-mail, phone, postal code and birth date. A field
///    missing on either side contributes ``Configuration/missingSimilarity``. Pairs at or above
///    ``Configuration/threshold`` match, unless their first or last names are less similar than
///    ``Configuration/minimumNameSimilarity``.
/// 4. Grouping: exact pairs in record order, then fuzzy pairs by descending score (ties by position), are
///    merged with union-find; a merge that would exceed ``Configuration/maximumGroupSize`` is refused and
///    reported, so one weak link cannot chain unrelated people.
///
/// The result depends only on the records and the configuration, never on ``Configuration/parallelism``.
/// - Complexity: O(n + Σ block sizes²) comparisons, each O(name length²) at worst.
struct FuzzyMatcher: Sendable {
    /// The configuration.
    var configuration: Configuration

    /// A matcher with `configuration` (the tuned defaults unless given).
    init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Matches `records`; positions in the result index into `records`.
    func match(_ records: [MatchRecord]) -> MatchResult {
        let prepared = PreparedRecords(records)
        var statistics = MatchStatistics()
        var pairs: [MatchPair] = []

        // Exact rules.
        for rule in configuration.exactRules {
            let keys = records.map { rule == .email ? $0.email : $0.phone }
            for (first, second) in ExactMatch.pairs(byKey: keys) {
                pairs.append(MatchPair(first: first, second: second, score: 1, rule: rule.rawValue))
            }
        }

        // Blocking.
        let keyCount = configuration.blockingKeys.count
        // The compared block of each record per key (record-major), -1 when none.
        var comparedBlock = [Int32](repeating: -1, count: records.count * keyCount)
        var work: [Block] = []
        var skipped: [SkippedBlock] = []
        var componentValues: [BlockingKey.Component: [String?]] = [:]
        for component in Set(configuration.blockingKeys.flatMap(\.components)) {
            componentValues[component] = records.map { componentValue(of: $0, component: component) }
        }
        for (keyIndex, key) in configuration.blockingKeys.enumerated() {
            var idOfValue: [String: Int32] = [:]
            var values: [String] = []
            var members: [[Int32]] = []
            let columns = key.components.compactMap { componentValues[$0] }
            for position in records.indices {
                var parts: [String] = []
                for column in columns {
                    guard let part = column[position] else { break }
                    parts.append(part)
                }
                guard !parts.isEmpty, parts.count == columns.count else { continue }
                let value = parts.count == 1 ? parts[0] : parts.joined(separator: "|")
                let id: Int32
                if let known = idOfValue[value] {
                    id = known
                } else {
                    id = Int32(values.count)
                    idOfValue[value] = id
                    values.append(value)
                    members.append([])
                }
                members[Int(id)].append(Int32(position))
            }
            for (id, block) in members.enumerated() where block.count > 1 {
                if block.count > configuration.maximumBlockSize {
                    skipped.append(SkippedBlock(key: key.description, value: values[id], size: block.count))
                    continue
                }
                for member in block { comparedBlock[Int(member) * keyCount + keyIndex] = Int32(work.count) }
                statistics.largestBlock = max(statistics.largestBlock, block.count)
                work.append(Block(key: keyIndex, members: block))
            }
        }
        statistics.blocksSkipped = skipped.count

        // Comparisons, in chunks of about equal work; results concatenated in chunk order.
        let chunks = Self.chunks(of: work, count: max(1, configuration.parallelism) * 16)
        let results = Mutex([ChunkResult](repeating: ChunkResult(), count: chunks.count))
        let scorer = PairScorer(configuration: configuration, prepared: prepared)
        let blocking = BlockMembership(keyCount: keyCount, comparedBlock: comparedBlock)
        let blocks = work
        if configuration.parallelism > 1 && chunks.count > 1 {
            DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
                let result = scorer.compare(blocks[chunks[chunk]], blocking: blocking)
                results.withLock { $0[chunk] = result }
            }
        } else {
            for chunk in chunks.indices {
                let result = scorer.compare(blocks[chunks[chunk]], blocking: blocking)
                results.withLock { $0[chunk] = result }
            }
        }
        var fuzzyPairs: [MatchPair] = []
        results.withLock { all in
            for result in all {
                statistics.comparisons += result.comparisons
                fuzzyPairs.append(contentsOf: result.pairs)
            }
        }
        fuzzyPairs.sort { lhs, rhs in
            if lhs.score != rhs.score { return lhs.score > rhs.score }
            return (lhs.first, lhs.second) < (rhs.first, rhs.second)
        }
        pairs.append(contentsOf: fuzzyPairs)

        return Self.merging(
            pairs, recordCount: records.count, maximumGroupSize: configuration.maximumGroupSize,
            statistics: statistics, skippedBlocks: skipped)
    }

    /// Merges `pairs` in order with the guarded union-find (step 4) into the match result.
    ///
    /// `statistics` gets `pairsFound` and `mergesRefused`; the other counts are kept.
    static func merging(
        _ pairs: [MatchPair], recordCount: Int, maximumGroupSize: Int, statistics: MatchStatistics,
        skippedBlocks: [SkippedBlock] = []
    ) -> MatchResult {
        var statistics = statistics
        statistics.pairsFound = pairs.count
        var sets = GroupSets(count: recordCount)
        var merged: [MatchPair] = []
        var refused: [MatchPair] = []
        for pair in pairs {
            switch sets.union(pair.first, pair.second, maximumSize: maximumGroupSize) {
            case .merged: merged.append(pair)
            case .alreadyTogether: break
            case .refused: refused.append(pair)
            }
        }
        statistics.mergesRefused = refused.count
        return MatchResult(
            pairs: merged, groups: sets.groups(), skippedBlocks: skippedBlocks, refusedMerges: refused,
            statistics: statistics)
    }

    // MARK: - Blocking

    /// The key value of `record` for `key`, or nil when a component is missing.
    func blockingValue(of record: MatchRecord, key: BlockingKey) -> String? {
        var parts: [String] = []
        for component in key.components {
            guard let part = componentValue(of: record, component: component) else { return nil }
            parts.append(part)
        }
        return parts.joined(separator: "|")
    }

    /// One component of a blocking key for `record`, nil when missing or empty.
    func componentValue(of record: MatchRecord, component: BlockingKey.Component) -> String? {
        let part: String?
        switch component {
        case .postalCode: part = record.postalCode
        case .lastNamePhonetic:
            let country = record.country?.uppercased()
            let isGerman = country.map { ["DE", "AT", "CH", "LU"].contains($0) } ?? true
            part = record.lastName.map { isGerman ? ColognePhonetic.code($0) : Soundex.code($0) }
        case .lastNameColognePhonetic: part = record.lastName.map(ColognePhonetic.code)
        case .lastNameSoundex: part = record.lastName.map(Soundex.code)
        case .firstNamePhonetic: part = record.firstName.map(ColognePhonetic.code)
        case .birthDate: part = record.birthDate.map { String($0) }
        case .birthYear: part = record.birthDate.map { String(CalendarDate.civil($0).year) }
        case .city: part = record.city.map { String(String.UnicodeScalarView(TextNormalizer.folded($0))) }
        case .email: part = record.email
        case .phone: part = record.phone
        }
        guard let part, !part.isEmpty else { return nil }
        return part
    }

    /// Splits `blocks` into at most `count` consecutive ranges of about equal comparison counts.
    static func chunks(of blocks: [Block], count: Int) -> [Range<Int>] {
        let total = blocks.reduce(0) { $0 + $1.comparisons }
        let target = max(1, total / max(1, count))
        var ranges: [Range<Int>] = []
        var start = 0
        var load = 0
        for (index, block) in blocks.enumerated() {
            load += block.comparisons
            if load >= target {
                ranges.append(start..<(index + 1))
                start = index + 1
                load = 0
            }
        }
        if start < blocks.count { ranges.append(start..<blocks.count) }
        return ranges
    }

    /// Records sharing one key value.
    struct Block: Sendable {
        /// The index of the blocking key.
        var key: Int
        /// Record positions, ascending.
        var members: [Int32]
        /// The pairs in the block.
        var comparisons: Int { members.count * (members.count - 1) / 2 }
    }

    /// Which compared block each record is in, per key.
    struct BlockMembership: Sendable {
        /// The number of blocking keys.
        let keyCount: Int
        /// `comparedBlock[record * keyCount + key]`: the index of the compared block, -1 when none.
        let comparedBlock: [Int32]

        /// True when `a` and `b` share a compared block of a key before `key`.
        func shareEarlierBlock(_ a: Int, _ b: Int, before key: Int) -> Bool {
            for earlier in 0..<key {
                let block = comparedBlock[a * keyCount + earlier]
                if block >= 0 && block == comparedBlock[b * keyCount + earlier] { return true }
            }
            return false
        }
    }

    /// The pairs and comparison count of one chunk.
    struct ChunkResult: Sendable {
        var pairs: [MatchPair] = []
        var comparisons = 0
    }
}
