import Foundation
import Testing

/// What a test that runs the binary needs: a scratch folder with generated data, a checkpoint folder and a
/// database schema of its own. `cleanUp()` removes the folder and drops the schema.
struct Workspace {
    let folder: URL
    let data: URL
    let checkpoints: URL
    let schema: String
    let databaseURL: String

    /// Generates `customers` customers (with `seed`, as of `asOf`) into a new scratch folder.
    init(schemaPrefix: String, customers: Int, seed: Int, asOf: String = "2026-11-01") throws {
        databaseURL = try Database.url()
        folder = try Scratch.makeFolder()
        data = folder.appendingPathComponent("data")
        checkpoints = folder.appendingPathComponent("checkpoints")
        schema = "\(schemaPrefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let generated = try SegpipeBinary.run([
            "generate", "--customers", "\(customers)", "--out", data.path, "--seed", "\(seed)", "--as-of", asOf,
        ])
        try #require(generated.exitCode == 0, "generate failed: \(generated.stderr)")
    }

    func cleanUp() {
        Scratch.remove(folder)
        Database.dropSchema(schema, url: databaseURL)
    }

    /// Writes `<file>.yaml`: pipeline `name` over the generated files with lenient cleaning (half the rows may be
    /// rejected) and this workspace's load schema, plus `sections` (more top-level YAML); returns its path.
    /// `orders` replaces the orders source (YAML flow mapping); `load` adds keys to the load section
    /// (`keep_runs: 2`).
    func writePipeline(
        _ file: String, name: String, sections: String, orders: String = "{path: orders.csv}", load: String = ""
    ) throws -> String {
        let path = folder.appendingPathComponent("\(file).yaml").path
        try """
            name: \(name)
            sources:
              customers: {path: customers.csv}
              orders: \(orders)
              email_events: {path: email_events.csv}
            clean:
              max_reject_rate: 0.5
              currency_rates: {EUR: 1.0, CHF: 1.04, GBP: 1.17}
            load: {schema: \(schema)\(load.isEmpty ? "" : ", \(load)")}
            \(sections)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The folder of the only run under `root` (default: this workspace's checkpoints).
    func onlyRun(in root: URL? = nil) throws -> URL {
        let root = root ?? checkpoints
        let runs = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { !$0.hasPrefix(".") }
        try #require(runs.count == 1, "expected one run, found \(runs)")
        return root.appendingPathComponent(runs[0])
    }

    /// Every file of a folder with its bytes.
    static func fileBytes(_ folder: URL) throws -> [String: Data] {
        var bytes: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            bytes[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return bytes
    }

    /// `segpipe run` of `pipeline` on the generated data, this workspace's database and checkpoints, JSON logs.
    func runArguments(_ pipeline: String, asOf: String, runID: String? = nil) -> [String] {
        [
            "run", "--pipeline", pipeline, "--data-dir", data.path, "--database-url", databaseURL, "--checkpoint-dir",
            checkpoints.path, "--as-of", asOf, "--log-format", "json",
        ] + (runID.map { ["--run-id", $0] } ?? [])
    }
}
