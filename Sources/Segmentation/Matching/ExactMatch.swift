import Columnar

/// Exact-rule duplicates: records sharing a normalised key (e-mail, phone).
enum ExactMatch {
    /// Groups of at least two positions whose keys are equal, ignoring nil and empty keys.
    ///
    /// Members are ascending; groups are ordered by their first member, so the result is deterministic.
    /// - Complexity: O(n) expected.
    static func groups(byKey keys: [String?]) -> [[Int]] {
        var groupOfKey: [String: Int] = [:]
        var groups: [[Int]] = []
        for (position, key) in keys.enumerated() {
            guard let key, !key.isEmpty else { continue }
            if let group = groupOfKey[key] {
                groups[group].append(position)
            } else {
                groupOfKey[key] = groups.count
                groups.append([position])
            }
        }
        return groups.filter { $0.count > 1 }
    }

    /// Pairs linking every later record to the first record with the same key, as `(first, later)`.
    static func pairs(byKey keys: [String?]) -> [(Int, Int)] {
        groups(byKey: keys).flatMap { group in group.dropFirst().map { (group[0], $0) } }
    }

    /// The pairs of ``pairs(byKey:)`` for `rule` over a text column (null and empty values have no key), hashed
    /// on the column's bytes: the same pairs in the same order, without a `String` per row.
    /// - Complexity: O(n) expected.
    static func pairs(byKey keys: StringColumn, validity: [Bool]?, rule: String) -> [MatchPair] {
        // Room for every row's key up front: growing from a small table rehashed a million keys several times.
        let interner = StringInterner(capacity: keys.count)
        var keyOfRow = [Int32](repeating: -1, count: keys.count)
        keys.withUnsafeStorage { offsets, bytes in
            // The table is far larger than the cache: each key's slot is fetched a few rows ahead.
            let lookahead = StringInterner.lookahead
            for row in 0..<keys.count {
                let ahead = row + lookahead
                if ahead < keys.count, offsets[ahead + 1] > offsets[ahead] {
                    interner.prefetch(UnsafeBufferPointer(rebasing: bytes[offsets[ahead]..<offsets[ahead + 1]]))
                }
                guard offsets[row + 1] > offsets[row], validity?[row] ?? true else { continue }
                let key = UnsafeBufferPointer(rebasing: bytes[offsets[row]..<offsets[row + 1]])
                keyOfRow[row] = Int32(truncatingIfNeeded: interner.insert(key).ordinal)
            }
        }
        // Rows grouped by key with a counting sort: keys in first-seen order (groups by first member), rows
        // ascending within a key.
        var start = [Int](repeating: 0, count: interner.count + 1)
        for key in keyOfRow where key >= 0 { start[Int(key) + 1] += 1 }
        for key in 0..<interner.count { start[key + 1] += start[key] }
        var next = start
        var members = [Int](repeating: 0, count: start[interner.count])
        for (row, key) in keyOfRow.enumerated() where key >= 0 {
            members[next[Int(key)]] = row
            next[Int(key)] += 1
        }
        var pairs: [MatchPair] = []
        for key in 0..<interner.count where start[key + 1] - start[key] > 1 {
            let first = members[start[key]]
            for position in (start[key] + 1)..<start[key + 1] {
                pairs.append(MatchPair(first: first, second: members[position], score: 1, rule: rule))
            }
        }
        return pairs
    }
}
