/// Damerau-Levenshtein distance in its optimal string alignment form, and a similarity derived from it.
///
/// The distance counts insertions, deletions, substitutions and transpositions of two adjacent characters,
/// editing no substring twice (so `CA` → `ABC` is 3, not 2 as in the unrestricted distance). Strings compare by
/// Unicode scalar (NFC `ä` is one character).
/// - Complexity: O(|a| · |b|) time, O(|b|) memory on the stack for short strings.
enum DamerauLevenshtein {
    /// The optimal string alignment distance of two strings.
    static func distance(_ a: String, _ b: String) -> Int {
        let left = Array(a.unicodeScalars)
        let right = Array(b.unicodeScalars)
        return left.withUnsafeBufferPointer { l in right.withUnsafeBufferPointer { r in distance(l, r) } }
    }

    /// `1 - distance / max(|a|, |b|)`: 1 for equal strings (also two empty ones), 0 for nothing in common.
    static func similarity(_ a: String, _ b: String) -> Double {
        let left = Array(a.unicodeScalars)
        let right = Array(b.unicodeScalars)
        return left.withUnsafeBufferPointer { l in right.withUnsafeBufferPointer { r in similarity(l, r) } }
    }

    /// `1 - distance / max(|a|, |b|)` of two scalar sequences.
    static func similarity(_ a: UnsafeBufferPointer<Unicode.Scalar>, _ b: UnsafeBufferPointer<Unicode.Scalar>) -> Double
    {
        let longest = max(a.count, b.count)
        guard longest > 0 else { return 1 }
        return 1 - Double(distance(a, b)) / Double(longest)
    }

    /// The optimal string alignment distance of two scalar sequences.
    static func distance(_ a: UnsafeBufferPointer<Unicode.Scalar>, _ b: UnsafeBufferPointer<Unicode.Scalar>) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let width = b.count + 1
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * width) { rows in
            // Rows i-2, i-1 and i of the dynamic programme, rotated by base offsets.
            var twoBack = 0
            var oneBack = width
            var current = 2 * width
            for j in 0..<width { rows.initializeElement(at: oneBack + j, to: j) }
            for j in 0..<width { rows.initializeElement(at: twoBack + j, to: 0) }
            for j in 0..<width { rows.initializeElement(at: current + j, to: 0) }
            for i in 1...a.count {
                rows[current] = i
                for j in 1...b.count {
                    let cost = a[i - 1] == b[j - 1] ? 0 : 1
                    var best = min(rows[oneBack + j] + 1, rows[current + j - 1] + 1, rows[oneBack + j - 1] + cost)
                    if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                        best = min(best, rows[twoBack + j - 2] + 1)
                    }
                    rows[current + j] = best
                }
                (twoBack, oneBack, current) = (oneBack, current, twoBack)
            }
            return rows[oneBack + b.count]
        }
    }
}
