import Foundation

/// The test database: `DATABASE_URL` from `scripts/dev-postgres`, queried with psql.
enum Database {
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// The database URL; under `CI=true` a missing one is an error, never a silent skip.
    static func url() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["DATABASE_URL"], !url.isEmpty { return url }
        throw Unavailable(
            description:
                "DATABASE_URL is not set: start the test database with scripts/dev-postgres start, or run scripts/test")
    }

    /// Runs one SQL statement with psql and returns its unaligned output without the trailing newline.
    static func query(_ url: String, _ sql: String) throws -> String {
        let result = try Shell.run("/usr/bin/env", ["psql", url, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        guard result.exitCode == 0 else { throw Unavailable(description: "psql failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Drops a test schema, ignoring errors.
    static func dropSchema(_ schema: String, url: String) {
        _ = try? query(url, "DROP SCHEMA IF EXISTS \(schema) CASCADE")
    }
}

/// Runs Python with pyarrow for interop checks; under `CI=true` a missing pyarrow fails.
enum Python {
    static func run(_ script: String, _ arguments: [String]) throws -> SegpipeBinary.Result {
        try Shell.run("/usr/bin/env", ["python3", "-c", script] + arguments)
    }
}

/// Runs a command with output captured through files, so a chatty child can never block on a pipe.
enum Shell {
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> SegpipeBinary.Result
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let folder = try Scratch.makeFolder()
        defer { Scratch.remove(folder) }
        let outURL = folder.appendingPathComponent("out")
        let errURL = folder.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return SegpipeBinary.Result(
            exitCode: process.terminationStatus,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}
