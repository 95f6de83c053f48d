import Foundation
public import Logging

/// A log handler writing one JSON object per line to standard error: for schedulers and log collectors.
///
/// Fields: `ts` (ISO 8601 UTC), `level`, `msg`, `logger`, then the metadata keys (`run.id`, `stage`, …).
public struct JSONLogHandler: LogHandler {
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
        var object: [String: JSONValue] = [
            "ts": .string(CalendarDate.timestampString()),
            "level": .string(event.level.rawValue),
            "msg": .string(event.message.description),
            "logger": .string(label),
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) {
            object[key] = Self.json(value)
        }
        var data = CanonicalJSON.data(object)
        data.append(0x0A)
        FileHandle.standardError.write(data)
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let values): .object(values.mapValues(json))
        }
    }
}
