import ArgumentParser
import Foundation
import Logging
import Segmentation

/// Log format and level flags shared by the subcommands that do work.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log format: text (readable), json (one object per line) or auto (text on a terminal).")
    var logFormat: LogFormat = .auto

    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case auto, text, json
    }

    /// Whether a progress line belongs on stderr: a terminal with readable (not JSON) logs.
    var showsProgress: Bool {
        logFormat != .json && isatty(STDERR_FILENO) != 0
    }

    /// Bootstraps swift-log once for the process and returns the command's logger.
    ///
    /// With `progress`, readable log lines are written around its progress line instead of through it.
    func bootstrap(progress: TerminalProgress? = nil) -> Logger {
        let useJSON: Bool
        switch logFormat {
        case .auto: useJSON = isatty(STDERR_FILENO) == 0
        case .text: useJSON = false
        case .json: useJSON = true
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = useJSON ? JSONLogHandler(label: label) : TerminalLogHandler(label: label)
            handler.logLevel = level
            if let progress, !useJSON { handler = ProgressAwareLogHandler(wrapped: handler, progress: progress) }
            return handler
        }
        return Logger(label: "segpipe")
    }
}
