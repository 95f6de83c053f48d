/// How far a stage has got and when it will be done, from the work done so far and its total, when known.
///
/// The estimate assumes the average rate since the stage started holds for the rest: after 10 s with half of
/// the work done, 10 s remain. It is a pure value, cheap enough to compute at every redraw of a progress line.
///
/// ```swift
/// let estimate = ProgressEstimate(done: 50, total: 100, elapsedSeconds: 10)
/// estimate.remainingSeconds   // 10
/// estimate.summary            // "50%  ETA 10s"
/// ```
public struct ProgressEstimate: Sendable, Equatable {
    /// Work done so far, in rows or bytes.
    public var done: Int64
    /// All the work of the stage in the same unit, when it was known up front.
    public var total: Int64?
    /// Seconds since the work started (since the stage announced its total).
    public var elapsedSeconds: Double

    /// Creates an estimate.
    public init(done: Int64, total: Int64?, elapsedSeconds: Double) {
        self.done = done
        self.total = total
        self.elapsedSeconds = elapsedSeconds
    }

    /// The share of the work done, from 0 to 1; nil when the total is unknown or zero.
    public var fractionDone: Double? {
        guard let total, total > 0 else { return nil }
        return min(max(Double(done) / Double(total), 0), 1)
    }

    /// Seconds left at the average rate so far: 0 once everything is done; nil when the total is unknown, or when
    /// nothing is done yet or no time has passed (no rate to extrapolate from).
    public var remainingSeconds: Double? {
        guard let total, total > 0 else { return nil }
        guard done < total else { return 0 }
        guard done > 0, elapsedSeconds > 0, elapsedSeconds.isFinite else { return nil }
        return elapsedSeconds * Double(total - done) / Double(done)
    }

    /// Seconds a stage runs before ``summary`` shows an ETA: the first second's rate is mostly start-up cost.
    public static let minimumSecondsForETA = 1.0

    /// The share done and the time left for a progress line (`"42%  ETA 1m05s"`); only the share while there is
    /// no rate yet, before ``minimumSecondsForETA``, and once all is done (`"0%"`, `"100%"`: what follows, such as
    /// writing the checkpoint, is not counted); nil when the total is unknown.
    public var summary: String? {
        guard let fraction = fractionDone else { return nil }
        let percent = "\(Int((fraction * 100).rounded(.down)))%"
        guard elapsedSeconds >= Self.minimumSecondsForETA, let remaining = remainingSeconds, fraction < 1 else {
            return percent
        }
        return "\(percent)  ETA \(Self.duration(remaining))"
    }

    /// A short duration, rounded to whole seconds: `"0s"`, `"59s"`, `"4m05s"`, `"2h07m"`; `">99h"` beyond.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 100 * 3600 else { return ">99h" }
        let total = Int(max(seconds, 0).rounded())
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return "\(total / 60)m\(twoDigits(total % 60))s"
        default: return "\(total / 3600)h\(twoDigits(total / 60 % 60))m"
        }
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
