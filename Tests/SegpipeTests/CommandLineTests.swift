import Foundation
import Testing

/// The executable's contract for schedulers: exit codes and messages.
@Suite struct CommandLineTests {
    @Test func versionPrintsAndExitsZero() throws {
        let result = try SegpipeBinary.run(["--version"])
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("0."))
    }

    @Test func missingRequiredOptionIsAUsageErrorWithCode2() throws {
        let result = try SegpipeBinary.run(["run"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("--pipeline"))
    }

    @Test func unknownStageNameIsAUsageError() throws {
        let result = try SegpipeBinary.run(["run", "--pipeline", "x.yaml", "--stage", "transmogrify"])
        #expect(result.exitCode == 2)
    }

    @Test func invalidPipelineNamesLineAndColumnAndExits2() throws {
        let folder = try Scratch.makeFolder()
        defer { Scratch.remove(folder) }
        let path = folder.appendingPathComponent("broken.yaml").path
        try "name: x\nsources:\n  customers: {path: c.csv}\n  orders: {path: o.csv}\nsegmnet:\n  k: 3\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try SegpipeBinary.run(["validate", "--pipeline", path])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("broken.yaml:5:1: unknown key \"segmnet\""))
    }

    @Test func shippedPipelinesAreValid() throws {
        let pipelines = SegpipeBinary.packageRoot.appendingPathComponent("pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: pipelines.path).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            let result = try SegpipeBinary.run(["validate", "--pipeline", pipelines.appendingPathComponent(file).path])
            #expect(result.exitCode == 0, "\(file): \(result.stderr)")
        }
    }
}

/// Temporary folders for the command-line tests.
enum Scratch {
    static func makeFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("segpipe-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func remove(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }
}
