extension RuleSet {
    /// Rows evaluated together; small enough that a program's scratch slots stay in the L1/L2 cache.
    static let blockSize = 2048

    /// Assigns every row to the first rule it matches, or to the default segment, and counts matches.
    ///
    /// Every rule is evaluated on every row (that is what ``RuleAssignment/countsAlone`` needs), block by
    /// block, lowest priority first, so a higher-priority match overwrites a lower one without branches.
    /// - Throws: ``RuleError`` with code `datasetMismatch` if the dataset lacks a feature a rule uses or has
    ///   it with another type than the schema the rules were checked with.
    /// - Complexity: O(rows · instructions); memory O(rows) for the result plus a few kilobytes of scratch.
    public func assign(_ dataset: RuleDataset) throws(RuleError) -> RuleAssignment {
        var programs: [RuleProgram] = []
        for rule in rules {
            do {
                programs.append(try RuleProgram(rule.plan, dataset: dataset))
            } catch {
                throw error.naming(rule.name)
            }
        }
        let rowCount = dataset.rowCount
        let stride = Self.blockSize
        let slots = programs.map(\.slotCount).max() ?? 1
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: slots * stride)
        defer { scratch.deallocate() }

        var segments = [Int32](repeating: Int32(rules.count), count: rowCount)
        var countsAlone = [Int](repeating: 0, count: rules.count)
        segments.withUnsafeMutableBufferPointer { segments in
            for start in Swift.stride(from: 0, to: rowCount, by: stride) {
                let count = min(stride, rowCount - start)
                let block = UnsafeMutableBufferPointer(rebasing: segments[start..<(start + count)])
                for ruleIndex in programs.indices.reversed() {
                    programs[ruleIndex].run(start: start, count: count, scratch: scratch, stride: stride)
                    let code = Int32(ruleIndex)
                    var matched = 0
                    for row in 0..<count {
                        let isMatch = scratch[row] == RulePlan.yes
                        matched &+= isMatch ? 1 : 0
                        block[row] = isMatch ? code : block[row]
                    }
                    countsAlone[ruleIndex] += matched
                }
            }
        }
        var countsFirstMatch = [Int](repeating: 0, count: rules.count + 1)
        for segment in segments { countsFirstMatch[Int(segment)] += 1 }
        return RuleAssignment(
            segmentNames: segmentNames, segmentIndexPerRow: segments, countsFirstMatch: countsFirstMatch,
            countsAlone: countsAlone)
    }
}
