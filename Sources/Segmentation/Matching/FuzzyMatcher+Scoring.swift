extension FuzzyMatcher {
    /// The records in the form the comparisons read: folded names in one scalar buffer, other fields interned.
    struct PreparedRecords: Sendable {
        /// Folded first and last names of all records, back to back.
        let scalars: [Unicode.Scalar]
        /// Record `r`'s first name is `scalars[bounds[2r]..<bounds[2r+1]]`, its last name
        /// `scalars[bounds[2r+1]..<bounds[2r+2]]`.
        let bounds: [Int]
        /// Whether each record has a first / last name.
        let hasFirstName: [Bool]
        let hasLastName: [Bool]
        /// Interned values (-1 when missing): equal ids mean equal values.
        let email: [Int32]
        let phone: [Int32]
        let postalCode: [Int32]
        let city: [Int32]
        /// Birth dates, `Int32.min` when missing.
        let birthDate: [Int32]

        init(_ records: [MatchRecord]) {
            var scalars: [Unicode.Scalar] = []
            scalars.reserveCapacity(records.count * 16)
            var bounds = [0]
            bounds.reserveCapacity(2 * records.count + 1)
            for record in records {
                scalars.append(contentsOf: TextNormalizer.folded(record.firstName ?? ""))
                bounds.append(scalars.count)
                scalars.append(contentsOf: TextNormalizer.folded(record.lastName ?? ""))
                bounds.append(scalars.count)
            }
            self.scalars = scalars
            self.bounds = bounds
            hasFirstName = records.map { !($0.firstName ?? "").isEmpty }
            hasLastName = records.map { !($0.lastName ?? "").isEmpty }
            email = Self.intern(records.map(\.email))
            phone = Self.intern(records.map(\.phone))
            postalCode = Self.intern(records.map(\.postalCode))
            city = Self.intern(
                records.map { $0.city.map { String(String.UnicodeScalarView(TextNormalizer.folded($0))) } })
            birthDate = records.map { $0.birthDate ?? Int32.min }
        }

        private static func intern(_ values: [String?]) -> [Int32] {
            var ids: [String: Int32] = [:]
            return values.map { value in
                guard let value, !value.isEmpty else { return -1 }
                if let id = ids[value] { return id }
                let id = Int32(ids.count)
                ids[value] = id
                return id
            }
        }
    }

    /// Scores record pairs.
    struct PairScorer: Sendable {
        let configuration: Configuration
        let prepared: PreparedRecords

        /// Scores every new pair of the blocks; returns those at or above the threshold.
        func compare(_ blocks: ArraySlice<Block>, blocking: BlockMembership) -> ChunkResult {
            var result = ChunkResult()
            prepared.scalars.withUnsafeBufferPointer { scalars in
                for block in blocks {
                    let members = block.members
                    for x in 0..<members.count {
                        let a = Int(members[x])
                        for y in (x + 1)..<members.count {
                            let b = Int(members[y])
                            if block.key > 0 && blocking.shareEarlierBlock(a, b, before: block.key) { continue }
                            result.comparisons += 1
                            let score = self.score(a, b, scalars: scalars)
                            if score >= configuration.threshold {
                                result.pairs.append(MatchPair(first: a, second: b, score: score, rule: "fuzzy"))
                            }
                        }
                    }
                }
            }
            return result
        }

        /// The weighted mean similarity of records `a` and `b`, or a lower bound of it when it cannot reach the
        /// threshold.
        ///
        /// The equality fields are summed first; when even identical names could not lift the score to the
        /// threshold the names are not compared and that partial score is returned. A pair whose first or last
        /// names (present on both sides) are less similar than ``Configuration/minimumNameSimilarity`` scores 0.
        func score(_ a: Int, _ b: Int, scalars: UnsafeBufferPointer<Unicode.Scalar>) -> Double {
            let weights = configuration.weights
            let missing = configuration.missingSimilarity
            var sum = 0.0
            sum += weights.email * equality(prepared.email[a], prepared.email[b], missing: -1)
            sum += weights.phone * equality(prepared.phone[a], prepared.phone[b], missing: -1)
            sum += weights.postalCode * equality(prepared.postalCode[a], prepared.postalCode[b], missing: -1)
            sum += weights.city * equality(prepared.city[a], prepared.city[b], missing: -1)
            sum += weights.birthDate * equality(prepared.birthDate[a], prepared.birthDate[b], missing: Int32.min)
            let nameWeight = weights.firstName + weights.lastName
            let total = weights.total
            guard sum + nameWeight >= configuration.threshold * total else { return sum / total }
            let first = nameSimilarity(a, b, field: 0, present: prepared.hasFirstName, scalars)
            let last = nameSimilarity(a, b, field: 1, present: prepared.hasLastName, scalars)
            if min(first ?? 1, last ?? 1) < configuration.minimumNameSimilarity { return 0 }
            let names = weights.firstName * (first ?? missing) + weights.lastName * (last ?? missing)
            return (sum + names) / total

            func equality(_ x: Int32, _ y: Int32, missing missingValue: Int32) -> Double {
                x == missingValue || y == missingValue ? missing : (x == y ? 1 : 0)
            }
        }

        private func nameSimilarity(
            _ a: Int, _ b: Int, field: Int, present: [Bool], _ scalars: UnsafeBufferPointer<Unicode.Scalar>
        ) -> Double? {
            guard present[a], present[b] else { return nil }
            let bounds = prepared.bounds
            let left = UnsafeBufferPointer(rebasing: scalars[bounds[2 * a + field]..<bounds[2 * a + field + 1]])
            let right = UnsafeBufferPointer(rebasing: scalars[bounds[2 * b + field]..<bounds[2 * b + field + 1]])
            return JaroWinkler.similarity(left, right)
        }
    }
}
