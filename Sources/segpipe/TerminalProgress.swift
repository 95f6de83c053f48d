import Dispatch
import Foundation
import Segmentation
import Synchronization

/// A single progress line on the terminal (`stage 1/6 extract  1.2M rows  410k rows/s  3.1s`), redrawn a few
/// times a second while a stage runs and cleared when it ends; log lines are written above it.
final class TerminalProgress: ProgressReporter {
    private struct State {
        var stage: StageName?
        var position = 0
        var count = 0
        var started = ContinuousClock.now
        var rows = 0
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

    func rowsProcessed(_ rows: Int) {
        state.withLock { $0.rows += rows }
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
        let elapsed = state.started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var line = "stage \(state.position)/\(state.count) \(stage.rawValue)"
        if state.rows > 0 {
            line += "  \(abbreviated(Double(state.rows))) rows"
            if seconds > 0.5 { line += "  \(abbreviated(Double(state.rows) / seconds)) rows/s" }
        } else {
            line += " …"
        }
        line += String(format: "  %.1fs", seconds)
        write("\r\u{1B}[2K" + line)
        state.isShown = true
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
