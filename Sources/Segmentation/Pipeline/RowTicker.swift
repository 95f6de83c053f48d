/// Counts the rows a stage loop has processed, reports them to the progress line a block at a time and polls for
/// cancellation at the same moments, so a long loop stops within one block of a SIGINT or SIGTERM.
///
/// ```swift
/// var ticker = RowTicker(context)
/// for row in 0..<rowCount {
///     if ticker.tick() { break }   // cancelled
///     …
/// }
/// ticker.finish()
/// try context.checkCancellation()
/// ```
/// One ticker per thread: it is a value, and the reporter it calls is safe to call from several threads.
struct RowTicker: Sendable {
    /// Rows between reports.
    static let interval = 65_536

    private let progress: any ProgressReporter
    private let isCancelled: @Sendable () -> Bool
    private var pending = 0

    init(_ context: StageContext) {
        progress = context.progress
        isCancelled = context.isCancelled
    }

    /// Counts one row; after every ``interval`` rows reports them and returns whether the run was cancelled.
    @inline(__always)
    mutating func tick() -> Bool {
        pending += 1
        guard pending >= Self.interval else { return false }
        progress.rowsProcessed(pending)
        pending = 0
        return isCancelled()
    }

    /// Reports the rows counted since the last report.
    mutating func finish() {
        if pending > 0 { progress.rowsProcessed(pending) }
        pending = 0
    }
}
