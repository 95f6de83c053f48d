/// Receives a run's progress for display, separately from logging (a live line on a terminal).
///
/// The runner calls ``stageStarted(_:position:count:)`` and ``stageFinished(_:)`` around every stage it runs;
/// stages that stream rows call ``rowsProcessed(_:)`` (and ``bytesProcessed(_:)`` for input read), possibly from
/// several threads at once, a block of rows at a time rather than per row. A stage that knows its total work up
/// front announces it with ``expectTotal(_:of:)``, so a display can show the share done and an ETA. The library
/// default, ``SilentProgress``, shows nothing.
public protocol ProgressReporter: Sendable {
    /// A stage started; `position` counts from 1 up to `count`, the number of stages of a pipeline.
    func stageStarted(_ stage: StageName, position: Int, count: Int)
    /// The running stage will process `total` units of work in all (known before it starts on them).
    func expectTotal(_ total: Int64, of unit: ProgressUnit)
    /// The running stage processed `rows` more rows.
    func rowsProcessed(_ rows: Int)
    /// The running stage consumed `bytes` more bytes of its input.
    func bytesProcessed(_ bytes: Int64)
    /// The running stage ended, successfully or not.
    func stageFinished(_ stage: StageName)
}

extension ProgressReporter {
    /// Ignores the total: reporters written before totals existed show no ETA.
    public func expectTotal(_ total: Int64, of unit: ProgressUnit) {}

    /// Ignores input bytes: reporters written before byte counts existed show rows only.
    public func bytesProcessed(_ bytes: Int64) {}
}
