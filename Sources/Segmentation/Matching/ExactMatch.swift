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
}
