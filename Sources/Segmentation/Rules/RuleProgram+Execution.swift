extension RuleProgram {
    /// Evaluates the program over rows `start ..< start + count`, leaving one truth byte per row in slot 0.
    ///
    /// - Parameters:
    ///   - scratch: `slotCount * stride` bytes; slot `s` starts at `scratch + s * stride`.
    ///   - stride: the slot size in bytes, at least `count`.
    /// - Complexity: O(count · instructions), plus O(count · list length) for numeric `in`.
    func run(start: Int, count: Int, scratch: UnsafeMutablePointer<UInt8>, stride: Int) {
        let rows = start..<(start + count)
        for instruction in instructions {
            switch instruction {
            case .fill(let slot, let value):
                (scratch + slot * stride).update(repeating: value, count: count)
            case .numericCompare(let slot, let column, let op, let constant):
                let out = scratch + slot * stride
                column.values.withUnsafeBufferPointer { allValues in
                    column.isPresent.withUnsafeBufferPointer { allPresent in
                        let values = UnsafeBufferPointer(rebasing: allValues[rows])
                        let present = UnsafeBufferPointer(rebasing: allPresent[rows])
                        switch op {
                        case .equal: Self.compare(out, values, present, constant, count) { $0 == $1 }
                        case .notEqual: Self.compare(out, values, present, constant, count) { $0 != $1 }
                        case .less: Self.compare(out, values, present, constant, count) { $0 < $1 }
                        case .lessOrEqual: Self.compare(out, values, present, constant, count) { $0 <= $1 }
                        case .greater: Self.compare(out, values, present, constant, count) { $0 > $1 }
                        case .greaterOrEqual: Self.compare(out, values, present, constant, count) { $0 >= $1 }
                        }
                    }
                }
            case .numericCompareColumns(let slot, let left, let op, let right):
                let out = scratch + slot * stride
                for row in 0..<count {
                    let index = start + row
                    let isKnown = left.isPresent[index] && right.isPresent[index]
                    let holds = op.compare(left.values[index], right.values[index])
                    out[row] = isKnown ? (holds ? RulePlan.yes : RulePlan.no) : RulePlan.unknown
                }
            case .numericIn(let slot, let column, let constants):
                let out = scratch + slot * stride
                for row in 0..<count {
                    let index = start + row
                    let value = column.values[index]
                    var found = false
                    for constant in constants where constant == value { found = true }
                    out[row] = column.isPresent[index] ? (found ? RulePlan.yes : RulePlan.no) : RulePlan.unknown
                }
            case .numericIsNull(let slot, let column):
                let out = scratch + slot * stride
                column.isPresent.withUnsafeBufferPointer { allPresent in
                    let present = UnsafeBufferPointer(rebasing: allPresent[rows])
                    for row in 0..<count { out[row] = present[row] ? RulePlan.no : RulePlan.yes }
                }
            case .textLookup(let slot, let codes, let table):
                let out = scratch + slot * stride
                codes.withUnsafeBufferPointer { allCodes in
                    table.withUnsafeBufferPointer { table in
                        let codes = UnsafeBufferPointer(rebasing: allCodes[rows])
                        for row in 0..<count { out[row] = table[Int(codes[row]) + 1] }
                    }
                }
            case .textCompareColumns(let slot, let left, let leftRanks, let op, let right, let rightRanks):
                let out = scratch + slot * stride
                for row in 0..<count {
                    let leftCode = Int(left[start + row])
                    let rightCode = Int(right[start + row])
                    if leftCode < 0 || rightCode < 0 {
                        out[row] = RulePlan.unknown
                    } else {
                        out[row] = op.compare(leftRanks[leftCode], rightRanks[rightCode]) ? RulePlan.yes : RulePlan.no
                    }
                }
            case .copy(let slot, let truths):
                truths.withUnsafeBufferPointer { allTruths in
                    let source = UnsafeBufferPointer(rebasing: allTruths[rows])
                    for row in 0..<count { scratch[slot * stride + row] = source[row] }
                }
            case .map(let slot, let table):
                let out = scratch + slot * stride
                let mapped = (table[0], table[1], table[2])
                for row in 0..<count {
                    let value = out[row]
                    out[row] = value == RulePlan.no ? mapped.0 : (value == RulePlan.yes ? mapped.2 : mapped.1)
                }
            case .equal(let slot):
                let out = scratch + slot * stride
                let other = out + stride
                for row in 0..<count {
                    let (a, b) = (out[row], other[row])
                    let isKnown = a != RulePlan.unknown && b != RulePlan.unknown
                    out[row] = isKnown ? (a == b ? RulePlan.yes : RulePlan.no) : RulePlan.unknown
                }
            case .and(let slot):
                let out = scratch + slot * stride
                let other = out + stride
                for row in 0..<count { out[row] = min(out[row], other[row]) }
            case .or(let slot):
                let out = scratch + slot * stride
                let other = out + stride
                for row in 0..<count { out[row] = max(out[row], other[row]) }
            }
        }
    }

    /// `out[i] = present[i] ? (holds(values[i], constant) ? yes : no) : unknown` for `count` rows.
    @inline(__always)
    private static func compare(
        _ out: UnsafeMutablePointer<UInt8>, _ values: UnsafeBufferPointer<Double>, _ present: UnsafeBufferPointer<Bool>,
        _ constant: Double, _ count: Int, _ holds: (Double, Double) -> Bool
    ) {
        for row in 0..<count {
            let truth = holds(values[row], constant) ? RulePlan.yes : RulePlan.no
            out[row] = present[row] ? truth : RulePlan.unknown
        }
    }
}
