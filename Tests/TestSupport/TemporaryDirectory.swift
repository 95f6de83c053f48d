public import Foundation

/// A fresh directory under the system temporary directory, removed by `remove()` (or when released).
public final class TemporaryDirectory {
    /// The directory's URL.
    public let url: URL

    /// Creates `<tmp>/segpipe-<prefix>-<uuid>/`.
    public init(prefix: String = "test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "segpipe-\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The directory's path.
    public var path: String { url.path }

    /// The URL of `name` inside the directory.
    public func url(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// The names of the entries in the directory, hidden ones included, sorted.
    public func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).sorted()
    }

    /// Removes the directory and its contents; safe to call more than once.
    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    deinit {
        remove()
    }
}
