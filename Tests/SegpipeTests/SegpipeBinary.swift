import Foundation

/// Runs the built `segpipe` executable and captures its exit code and output.
struct SegpipeBinary {
    struct Result {
        var exitCode: Int32
        var stdout: String
        var stderr: String
    }

    /// Root of the package, found from this file's location.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The executable built next to the test bundle (`swift build` puts both in the same folder, also under
    /// `--scratch-path`).
    static var executable: URL {
        let bundleFolder = Bundle.main.bundleURL.deletingLastPathComponent()
        let testFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            testFolder.appendingPathComponent("segpipe"),
            bundleFolder.appendingPathComponent("segpipe"),
            packageRoot.appendingPathComponent(".build/debug/segpipe"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[2]
    }

    /// Runs segpipe with `arguments` and waits for it.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try Shell.run(executable.path, arguments, environment: environment)
    }

    /// Starts segpipe without waiting; the caller kills or waits for it.
    ///
    /// Standard error goes to the file `standardError` (created or emptied here) when given, else nowhere.
    static func start(_ arguments: [String], environment: [String: String] = [:], standardError: URL? = nil) throws
        -> Process
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        var errorFile: FileHandle?
        if let standardError {
            guard FileManager.default.createFile(atPath: standardError.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: standardError.path])
            }
            errorFile = try FileHandle(forWritingTo: standardError)
        }
        // The child keeps its own descriptor; ours is closed once it runs.
        defer { try? errorFile?.close() }
        process.standardError = errorFile ?? FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}
