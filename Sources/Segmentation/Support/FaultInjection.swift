import Foundation
import Logging

/// Pause points for crash and fault tests; inert unless the environment asks for them.
///
/// `SEGPIPE_PAUSE_AT=<point>` (points: `stage:<stage>` right after the stage is marked running,
/// `extract:<table>` mid-COPY of a database source, right after its first rows arrived, `load:<table>` inside the
/// load transaction right after that table was copied; `SEGPIPE_STALL_STAGE=<stage>` is the same as
/// `stage:<stage>`) makes the process wait there for up to two minutes, or until the file named by
/// `SEGPIPE_RESUME_FILE` exists, or until the run is cancelled. Tests use it to kill the process or stop the
/// database at an exact moment.
enum FaultInjection {
    static func pauseIfRequested(at point: String, logger: Logger, isCancelled: () -> Bool = { false }) {
        let environment = ProcessInfo.processInfo.environment
        let requested = environment["SEGPIPE_PAUSE_AT"] ?? environment["SEGPIPE_STALL_STAGE"].map { "stage:\($0)" }
        guard requested == point else { return }
        logger.warning("paused for a fault test", metadata: ["point": "\(point)"])
        let resumeFile = environment["SEGPIPE_RESUME_FILE"]
        for _ in 0..<1200 {
            if isCancelled() { return }
            if let resumeFile, FileManager.default.fileExists(atPath: resumeFile) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }
}
