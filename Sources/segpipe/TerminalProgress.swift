import Dispatch
import Foundation
import Segmentation
import Synchronization

/// A single progress line on the terminal (`stage 1/6 extract  1.2M rows  410k rows/s  42%  ETA 4s  3.1s`),
/// redrawn a few times a second while a stage runs and cleared when it ends; log lines are written above it.
///
/// The share done and the ETA appear when the stage announced its total work (``expectTotal(_:of:)``): input
/// bytes for extract, rows for the load. Reports only add to counters under a lock; the timer does the drawing.
final class TerminalProgress: ProgressReporter {
    private struct State {
        var stage: StageName?
        var position = 0
        var count = 0
        var started = ContinuousClock.now
        var rows = 0
        var bytes: Int64 = 0
        /// The stage's total work and when it was announced: the ETA's rate counts from then, not from the
        /// stage's start (the load reads its inputs before it copies a row).
        var total: (amount: Int64, unit: ProgressUnit, since: ContinuousClock.Instant)?
        var isShown = false
        var timer: (any DispatchSourceTimer)?
    }

    private let state = Mutex(State())

    func stageStarted(_ stage: StageName, position: Int, count: Int) {
        state.withLock { state in
            state.timer?.cancel()
            let timer = DispatchSource.makeTimerSource(queue: .global())
            timer.schedule(deadline: .now(), repeating: .milliseconds(250))
            timer.setEventHandler { [weak self] in self?.redraw() }
            timer.resume()
            state = State(stage: stage, position: position, count: count, timer: timer)
        }
    }

    func expectTotal(_ total: Int64, of unit: ProgressUnit) {
        state.withLock { $0.total = (total, unit, .now) }
    }

    func rowsProcessed(_ rows: Int) {
        state.withLock { $0.rows += rows }
    }

    func bytesProcessed(_ bytes: Int64) {
        state.withLock { $0.bytes += bytes }
    }

    func stageFinished(_ stage: StageName) {
        state.withLock { state in
            state.timer?.cancel()
            state.timer = nil
            state.stage = nil
            Self.clear(&state)
        }
    }

    /// Runs `body` (which writes a log line) with the progress line cleared, then draws the line again.
    func withLineCleared(_ body: () -> Void) {
        state.withLock { state in
            Self.clear(&state)
            body()
            Self.draw(&state)
        }
    }

    private func redraw() {
        state.withLock { Self.draw(&$0) }
    }

    private static func clear(_ state: inout State) {
        guard state.isShown else { return }
        write("\r\u{1B}[2K")
        state.isShown = false
    }

    private static func draw(_ state: inout State) {
        guard let stage = state.stage else { return }
        let seconds = Self.seconds(state.started.duration(to: .now))
        var line = "stage \(state.position)/\(state.count) \(stage.rawValue)"
        if state.rows > 0 {
            line += "  \(abbreviated(Double(state.rows))) rows"
            if seconds > 0.5 { line += "  \(abbreviated(Double(state.rows) / seconds)) rows/s" }
        } else {
            line += " …"
        }
        if let total = state.total {
            let done = total.unit == .rows ? Int64(state.rows) : state.bytes
            let estimate = ProgressEstimate(
                done: done, total: total.amount, elapsedSeconds: Self.seconds(total.since.duration(to: .now)))
            if let summary = estimate.summary { line += "  " + summary }
        }
        line += String(format: "  %.1fs", seconds)
        write("\r\u{1B}[2K" + line)
        state.isShown = true
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func abbreviated(_ value: Double) -> String {
        switch value {
        case 1e6...: String(format: "%.2fM", value / 1e6)
        case 1e4...: String(format: "%.0fk", value / 1e3)
        default: String(format: "%.0f", value)
        }
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
