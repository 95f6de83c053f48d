/// Jaro-Winkler similarity of two strings, in 0…1.
///
/// Jaro: characters match when equal and at most `max(|a|, |b|) / 2 - 1` positions apart; with `m` matches and
/// `t` half the number of matched characters out of order, `jaro = (m/|a| + m/|b| + (m - t)/m) / 3` (0 when
/// `m = 0`). Winkler adds `ℓ · p · (1 - jaro)` for a common prefix of `ℓ ≤ 4` characters with `p = 0.1`.
/// Two empty strings are identical (1). Strings compare by Unicode scalar (NFC `ä` is one character); callers
/// wanting case or umlaut spellings ignored fold first (``TextNormalizer/folded(_:)``).
///
/// `MARTHA`/`MARHTA` → 0.9611, `DWAYNE`/`DUANE` → 0.84, `DIXON`/`DICKSONX` → 0.8133.
/// - Complexity: O(|a| · |b|) worst case, O(|a| · window) typically; no heap allocation for strings up to a
///   few hundred characters.
enum JaroWinkler {
    /// The Winkler prefix scale.
    static let prefixScale = 0.1
    /// The longest prefix that earns the Winkler bonus.
    static let maximumPrefix = 4

    /// The Jaro-Winkler similarity of two strings.
    static func similarity(_ a: String, _ b: String) -> Double {
        let left = Array(a.unicodeScalars)
        let right = Array(b.unicodeScalars)
        return left.withUnsafeBufferPointer { l in right.withUnsafeBufferPointer { r in similarity(l, r) } }
    }

    /// The Jaro-Winkler similarity of two scalar sequences.
    static func similarity(_ a: UnsafeBufferPointer<Unicode.Scalar>, _ b: UnsafeBufferPointer<Unicode.Scalar>) -> Double
    {
        let jaro = jaroSimilarity(a, b)
        var prefix = 0
        while prefix < min(maximumPrefix, a.count, b.count) && a[prefix] == b[prefix] { prefix += 1 }
        return jaro + Double(prefix) * prefixScale * (1 - jaro)
    }

    /// The Jaro similarity (without the prefix bonus) of two scalar sequences.
    static func jaroSimilarity(_ a: UnsafeBufferPointer<Unicode.Scalar>, _ b: UnsafeBufferPointer<Unicode.Scalar>)
        -> Double
    {
        if a.isEmpty && b.isEmpty { return 1 }
        if a.isEmpty || b.isEmpty { return 0 }
        let window = max(0, max(a.count, b.count) / 2 - 1)
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: a.count + b.count) { flags in
            flags.initialize(repeating: false)
            var matches = 0
            for i in 0..<a.count {
                let start = max(0, i - window)
                let end = min(b.count, i + window + 1)
                guard start < end else { continue }
                for j in start..<end where !flags[a.count + j] && a[i] == b[j] {
                    flags[i] = true
                    flags[a.count + j] = true
                    matches += 1
                    break
                }
            }
            guard matches > 0 else { return 0 }
            var halfTranspositions = 0
            var j = 0
            for i in 0..<a.count where flags[i] {
                while !flags[a.count + j] { j += 1 }
                if a[i] != b[j] { halfTranspositions += 1 }
                j += 1
            }
            let m = Double(matches)
            let t = Double(halfTranspositions / 2)
            return (m / Double(a.count) + m / Double(b.count) + (m - t) / m) / 3
        }
    }
}
