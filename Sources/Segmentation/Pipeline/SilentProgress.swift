/// A progress reporter that shows nothing: the library default, and what runs without a terminal get.
public struct SilentProgress: ProgressReporter {
    /// Creates the reporter.
    public init() {}

    public func stageStarted(_ stage: StageName, position: Int, count: Int) {}

    public func expectTotal(_ total: Int64, of unit: ProgressUnit) {}

    public func rowsProcessed(_ rows: Int) {}

    public func bytesProcessed(_ bytes: Int64) {}

    public func stageFinished(_ stage: StageName) {}
}
