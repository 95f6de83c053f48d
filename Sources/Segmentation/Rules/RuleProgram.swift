/// A rule's plan bound to the columns of one dataset: a flat list of column kernels over row blocks.
///
/// Each instruction fills a truth byte per row of a block into a scratch slot; slots are allocated like a
/// stack (a node's children use the slots above its own), so a program needs at most depth + 1 slots and the
/// result is always in slot 0. Tables for text tests are computed once per dictionary entry when binding,
/// so the row loops are plain loads, compares and table lookups with no allocation.
struct RuleProgram: Sendable {
    /// One step of a program.
    enum Instruction: Sendable {
        /// Every row gets the same truth value.
        case fill(slot: Int, value: UInt8)
        /// `values op constant`, unknown where missing.
        case numericCompare(slot: Int, RuleDataset.NumericColumn, ComparisonOperator, Double)
        /// `left op right`, unknown where either is missing.
        case numericCompareColumns(
            slot: Int, RuleDataset.NumericColumn, ComparisonOperator, RuleDataset.NumericColumn)
        /// The value is one of the (few) constants, unknown where missing.
        case numericIn(slot: Int, RuleDataset.NumericColumn, [Double])
        /// Yes where the value is missing, otherwise no.
        case numericIsNull(slot: Int, RuleDataset.NumericColumn)
        /// `table[code + 1]`: any test of a text column against constants (table[0] is for missing values).
        case textLookup(slot: Int, codes: [Int32], table: [UInt8])
        /// `rank(left) op rank(right)` where ranks order the union of both dictionaries.
        case textCompareColumns(
            slot: Int, left: [Int32], leftRanks: [Int32], ComparisonOperator, right: [Int32], rightRanks: [Int32])
        /// Copies a Boolean column's truth bytes.
        case copy(slot: Int, [UInt8])
        /// Maps the slot's truth values through a three-entry table in place.
        case map(slot: Int, table: [UInt8])
        /// Slot `slot` becomes whether it equals slot `slot + 1` (unknown if either is unknown).
        case equal(slot: Int)
        /// Slot `slot` becomes the minimum of itself and slot `slot + 1`.
        case and(slot: Int)
        /// Slot `slot` becomes the maximum of itself and slot `slot + 1`.
        case or(slot: Int)
    }

    /// The instructions, in execution order.
    let instructions: [Instruction]
    /// The number of scratch slots the program uses.
    let slotCount: Int

    /// Binds a plan to a dataset's columns.
    /// - Throws: ``RuleError`` with code `datasetMismatch` if the dataset lacks a feature or has it with
    ///   another type.
    init(_ plan: RulePlan, dataset: RuleDataset) throws(RuleError) {
        var builder = Builder(dataset: dataset)
        try builder.emit(plan, slot: 0)
        instructions = builder.instructions
        slotCount = builder.slotCount
    }

    private struct Builder {
        let dataset: RuleDataset
        var instructions: [Instruction] = []
        var slotCount = 0

        mutating func emit(_ plan: RulePlan, slot: Int) throws(RuleError) {
            slotCount = max(slotCount, slot + 1)
            switch plan {
            case .constant(let value):
                instructions.append(.fill(slot: slot, value: value))
            case .numericCompare(let name, let op, let constant):
                instructions.append(.numericCompare(slot: slot, try numeric(name), op, constant))
            case .numericCompareFeatures(let left, let op, let right):
                instructions.append(.numericCompareColumns(slot: slot, try numeric(left), op, try numeric(right)))
            case .numericIn(let name, let values):
                instructions.append(.numericIn(slot: slot, try numeric(name), values))
            case .numericIsNull(let name):
                instructions.append(.numericIsNull(slot: slot, try numeric(name)))
            case .textCompare(let name, let op, let constant):
                let column = try text(name)
                let table =
                    [RulePlan.unknown] + column.dictionary.map { op.compare($0, constant) ? RulePlan.yes : RulePlan.no }
                instructions.append(.textLookup(slot: slot, codes: column.codes, table: table))
            case .textIn(let name, let values):
                let column = try text(name)
                let table =
                    [RulePlan.unknown] + column.dictionary.map { values.contains($0) ? RulePlan.yes : RulePlan.no }
                instructions.append(.textLookup(slot: slot, codes: column.codes, table: table))
            case .textIsNull(let name):
                let column = try text(name)
                let table = [RulePlan.yes] + [UInt8](repeating: RulePlan.no, count: column.dictionary.count)
                instructions.append(.textLookup(slot: slot, codes: column.codes, table: table))
            case .textCompareFeatures(let leftName, let op, let rightName):
                let left = try text(leftName)
                let right = try text(rightName)
                var ordered = Array(Set(left.dictionary).union(right.dictionary))
                ordered.sort()
                var rank: [String: Int32] = [:]
                for (index, value) in ordered.enumerated() { rank[value] = Int32(index) }
                instructions.append(
                    .textCompareColumns(
                        slot: slot, left: left.codes, leftRanks: left.dictionary.map { rank[$0] ?? 0 }, op,
                        right: right.codes, rightRanks: right.dictionary.map { rank[$0] ?? 0 }))
            case .boolean(let name):
                guard case .boolean(let truths) = try column(name, .boolean) else {
                    preconditionFailure("column type checked above")
                }
                instructions.append(.copy(slot: slot, truths))
            case .map(let inner, let table):
                try emit(inner, slot: slot)
                instructions.append(.map(slot: slot, table: table))
            case .equal(let left, let right):
                try emit(left, slot: slot)
                try emit(right, slot: slot + 1)
                instructions.append(.equal(slot: slot))
            case .all(let operands), .any(let operands):
                let isAll = if case .all = plan { true } else { false }
                for (index, operand) in operands.enumerated() {
                    try emit(operand, slot: index == 0 ? slot : slot + 1)
                    if index > 0 { instructions.append(isAll ? .and(slot: slot) : .or(slot: slot)) }
                }
            }
        }

        private func column(_ name: String, _ type: RuleFeatureType) throws(RuleError) -> RuleDataset.Column {
            guard let column = dataset.columns[name] else {
                throw RuleError(.datasetMismatch, "the dataset has no feature \"\(name)\"")
            }
            guard column.type == type else {
                throw RuleError(
                    .datasetMismatch,
                    "feature \"\(name)\" is \(column.type) in the dataset, but the rules were checked with it as "
                        + "\(type)")
            }
            return column
        }

        private func numeric(_ name: String) throws(RuleError) -> RuleDataset.NumericColumn {
            guard case .numeric(let values) = try column(name, .numeric) else {
                preconditionFailure("column type checked above")
            }
            return values
        }

        private func text(_ name: String) throws(RuleError) -> RuleDataset.TextColumn {
            guard case .text(let values) = try column(name, .text) else {
                preconditionFailure("column type checked above")
            }
            return values
        }
    }
}
