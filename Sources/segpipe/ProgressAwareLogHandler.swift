import Logging

/// Wraps a terminal log handler so each log line is written with the progress line cleared and then redrawn.
struct ProgressAwareLogHandler: LogHandler {
    var wrapped: any LogHandler
    let progress: TerminalProgress

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        progress.withLineCleared { wrapped.log(event: event) }
    }
}
