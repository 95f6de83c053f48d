/// Order-insensitive similarity of multi-word names (`Anna Maria Müller` vs `Müller, Anna`), in 0…1.
///
/// Both texts are folded (``TextNormalizer/folded(_:)``: lower case, `ü` → `ue`) and split into tokens at
/// whitespace, commas, semicolons and periods; hyphenated parts stay one token. Strings are compared with the
/// indel ratio `1 - (insertions + deletions) / (|a| + |b|)`, the ratio of the common fuzzy-matching libraries.
enum TokenSimilarity {
    /// The ratio of the two texts with their tokens sorted and joined by single spaces.
    ///
    /// `Anna Maria Müller` vs `Müller, Anna`: `anna maria mueller` vs `anna mueller` → 1 - 6/30 = 0.8.
    static func tokenSortRatio(_ a: String, _ b: String) -> Double {
        ratio(joined(tokens(a).sorted(by: precedes)), joined(tokens(b).sorted(by: precedes)))
    }

    /// The best ratio among the shared tokens alone and the shared tokens plus each side's remaining tokens.
    ///
    /// With `I` the sorted common tokens and `A`, `B` each side's other tokens (sorted): the maximum of
    /// `ratio(I, I+A)`, `ratio(I, I+B)` and `ratio(I+A, I+B)`. One name contained in the other scores 1
    /// (`Anna Maria Müller` vs `Müller, Anna`); no common token falls back to `ratio(A, B)`.
    static func tokenSetRatio(_ a: String, _ b: String) -> Double {
        let left = Set(tokens(a).map { String(String.UnicodeScalarView($0)) })
        let right = Set(tokens(b).map { String(String.UnicodeScalarView($0)) })
        if left.isEmpty && right.isEmpty { return 1 }
        let byScalars: (String, String) -> Bool = { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        let common = left.intersection(right).sorted(by: byScalars).joined(separator: " ")
        let onlyLeft = left.subtracting(right).sorted(by: byScalars).joined(separator: " ")
        let onlyRight = right.subtracting(left).sorted(by: byScalars).joined(separator: " ")
        let withLeft = [common, onlyLeft].filter { !$0.isEmpty }.joined(separator: " ")
        let withRight = [common, onlyRight].filter { !$0.isEmpty }.joined(separator: " ")
        let commonScalars = Array(common.unicodeScalars)
        let leftScalars = Array(withLeft.unicodeScalars)
        let rightScalars = Array(withRight.unicodeScalars)
        guard !commonScalars.isEmpty else { return ratio(leftScalars, rightScalars) }
        return max(
            ratio(commonScalars, leftScalars), ratio(commonScalars, rightScalars), ratio(leftScalars, rightScalars))
    }

    /// The indel ratio `1 - (|a| + |b| - 2·LCS) / (|a| + |b|)` of two scalar arrays; 1 when both are empty.
    static func ratio(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Double {
        let total = a.count + b.count
        guard total > 0 else { return 1 }
        let common = a.withUnsafeBufferPointer { l in b.withUnsafeBufferPointer { r in longestCommonSubsequence(l, r) }
        }
        return Double(2 * common) / Double(total)
    }

    /// The length of the longest common subsequence.
    /// - Complexity: O(|a| · |b|) time, O(|b|) stack memory.
    static func longestCommonSubsequence(
        _ a: UnsafeBufferPointer<Unicode.Scalar>, _ b: UnsafeBufferPointer<Unicode.Scalar>
    ) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        let width = b.count + 1
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * width) { rows in
            rows.initialize(repeating: 0)
            var previous = 0
            var current = width
            for i in 0..<a.count {
                rows[current] = 0
                for j in 0..<b.count {
                    rows[current + j + 1] =
                        a[i] == b[j] ? rows[previous + j] + 1 : max(rows[previous + j + 1], rows[current + j])
                }
                swap(&previous, &current)
            }
            return rows[previous + b.count]
        }
    }

    /// The folded tokens of a text.
    static func tokens(_ text: String) -> [[Unicode.Scalar]] {
        TextNormalizer.folded(text).split { $0 == " " || $0 == "," || $0 == ";" || $0 == "." }.map(Array.init)
    }

    private static func joined(_ tokens: [[Unicode.Scalar]]) -> [Unicode.Scalar] {
        Array(tokens.joined(separator: [" "]))
    }

    private static func precedes(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Bool {
        a.lexicographicallyPrecedes(b)
    }

    private static func ratio(_ a: String, _ b: String) -> Double {
        ratio(Array(a.unicodeScalars), Array(b.unicodeScalars))
    }
}
