import ArgumentParser
import Foundation
import Segmentation

// Before any allocation of the run's data (see AllocatorTuning).
AllocatorTuning.apply()

/// Entry point: parses the command line and maps failures to the exit codes schedulers rely on.
///
/// 0 ok · 1 failed · 2 usage or configuration error · 3 data-quality threshold exceeded · 75 locked.
do {
    var command = try Segpipe.parseAsRoot()
    do {
        try command.run()
    } catch let error as PipelineError {
        FileHandle.standardError.write(Data("segpipe: error: \(error)\n".utf8))
        exit(error.exitCode)
    }
} catch {
    let code = Segpipe.exitCode(for: error)
    let message = Segpipe.fullMessage(for: error)
    if code == .success {
        print(message)
        exit(0)
    }
    FileHandle.standardError.write(Data("\(message)\n".utf8))
    // Usage errors exit with 2, like other Unix tools and the contract in the operations guide.
    exit(code == .validationFailure ? 2 : code.rawValue)
}
