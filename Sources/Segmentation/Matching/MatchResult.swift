/// What ``FuzzyMatcher`` found: scored pairs, the groups they form, what the guards held back, and counts.
struct MatchResult: Hashable, Sendable {
    /// Pairs accepted as the same customer, by exact rule or score, ordered as they were merged.
    var pairs: [MatchPair]
    /// Groups of at least two record positions, members ascending, ordered by first member.
    var groups: [[Int]]
    /// Blocks left out because they exceeded the configured maximum block size.
    var skippedBlocks: [SkippedBlock]
    /// Matching pairs not merged because the group would have exceeded the maximum group size.
    var refusedMerges: [MatchPair]
    /// Work and outcome counts.
    var statistics: MatchStatistics
}

/// Two records judged the same customer.
struct MatchPair: Hashable, Sendable {
    /// The position of the first record (the smaller one).
    var first: Int
    /// The position of the second record.
    var second: Int
    /// The similarity, 1 for exact rules.
    var score: Double
    /// The rule: `email`, `phone` or `fuzzy`.
    var rule: String
}

/// A block not compared because it was too large.
struct SkippedBlock: Hashable, Sendable {
    /// The blocking key's name (`postal_code`).
    var key: String
    /// The shared key value.
    var value: String
    /// The number of records in the block.
    var size: Int
}

/// Counts describing one matching run.
struct MatchStatistics: Hashable, Sendable {
    /// Record pairs scored.
    var comparisons = 0
    /// The largest block compared.
    var largestBlock = 0
    /// Pairs accepted (exact and fuzzy, before the group-size guard).
    var pairsFound = 0
    /// Blocks skipped for their size.
    var blocksSkipped = 0
    /// Merges refused by the group-size guard.
    var mergesRefused = 0
}
