/// The result of running a ``RuleSet`` over a dataset: each row's segment and per-segment counts.
public struct RuleAssignment: Sendable, Hashable {
    /// Segment names by index: the rules in priority order, then the default segment last.
    public let segmentNames: [String]
    /// For each row, the index into ``segmentNames`` of its segment (the first rule it matches, else the
    /// default segment).
    public let segmentIndexPerRow: [Int32]
    /// Rows assigned to each segment, indexed like ``segmentNames`` (first match wins).
    ///
    /// The last entry counts the default segment; the counts sum to the number of rows.
    public let countsFirstMatch: [Int]
    /// For each rule, how many rows its condition matches on its own, ignoring higher-priority rules.
    public let countsAlone: [Int]

    /// Creates an assignment.
    public init(segmentNames: [String], segmentIndexPerRow: [Int32], countsFirstMatch: [Int], countsAlone: [Int]) {
        self.segmentNames = segmentNames
        self.segmentIndexPerRow = segmentIndexPerRow
        self.countsFirstMatch = countsFirstMatch
        self.countsAlone = countsAlone
    }

    /// The index of the default segment in ``segmentNames`` (the number of rules).
    public var defaultSegmentIndex: Int { segmentNames.count - 1 }

    /// The segment name of each row.
    public var segmentNamePerRow: [String] {
        segmentIndexPerRow.map { segmentNames[Int($0)] }
    }
}
