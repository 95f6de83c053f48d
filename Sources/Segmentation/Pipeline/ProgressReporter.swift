/// Receives a run's progress for display, separately from logging (a live line on a terminal).
///
/// The runner calls ``stageStarted(_:position:count:)`` and ``stageFinished(_:)`` around every stage it runs;
/// stages that stream rows call ``rowsProcessed(_:)``, possibly from several threads at once. The library
/// default, ``SilentProgress``, shows nothing.
public protocol ProgressReporter: Sendable {
    /// A stage started; `position` counts from 1 up to `count`, the number of stages of a pipeline.
    func stageStarted(_ stage: StageName, position: Int, count: Int)
    /// The running stage processed `rows` more rows.
    func rowsProcessed(_ rows: Int)
    /// The running stage ended, successfully or not.
    func stageFinished(_ stage: StageName)
}
