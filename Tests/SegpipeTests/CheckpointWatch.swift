import Foundation

/// Reads stage manifests of runs under a checkpoint folder while a segpipe process works on them.
enum CheckpointWatch {
    /// The `status` of a stage's manifest in a run folder, or nil when there is none yet.
    static func status(_ runFolder: URL, _ stage: String) -> String? {
        let path = runFolder.appendingPathComponent("\(stage)/_manifest.json").path
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["status"] as? String
    }

    /// Waits (up to a minute) until some run under `root` marks `stage` as running; false on time-out.
    static func waitUntilRunning(_ stage: String, under root: URL) -> Bool {
        for _ in 0..<600 {
            Thread.sleep(forTimeInterval: 0.1)
            let runs = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
            for run in runs where !run.hasPrefix(".") {
                if status(root.appendingPathComponent(run), stage) == "running" { return true }
            }
        }
        return false
    }
}
