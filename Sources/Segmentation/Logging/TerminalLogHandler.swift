import Foundation
public import Logging

/// A compact, readable log handler for people at a terminal: `08:15:02 info  stage completed  stage=clean rows=…`.
public struct TerminalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    /// Creates a handler for `label`.
    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 })
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = CalendarDate.timestampString().dropFirst(11).prefix(8)
        let level = event.level.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
        let line = "\(time) \(level) \(event.message)\(fields.isEmpty ? "" : "  \(fields)")\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
