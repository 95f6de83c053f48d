/// An error that stops reading a CSV file as a whole (a bad row is a reject, never a `CSVError`).
public struct CSVError: Error, Sendable, CustomStringConvertible {
    /// A category of CSV error; new categories may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case emptyFile, unterminatedQuote, recordTooLarge, io, decompression
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The file has no header line (it is empty, or holds only a byte order mark and blank lines).
        public static let emptyFile = Code(.emptyFile)
        /// A quoted field is still open at the end of the file.
        public static let unterminatedQuote = Code(.unterminatedQuote)
        /// One record is larger than the reader's limit, usually because of a stray quote.
        public static let recordTooLarge = Code(.recordTooLarge)
        /// The operating system refused to open or read the file.
        public static let io = Code(.io)
        /// The decompressor of a `.gz` file failed (corrupt or truncated archive).
        public static let decompression = Code(.decompression)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong and how to fix it.
    public let message: String
    /// The file concerned.
    public let path: String
    /// The 1-based physical line where the failure was found, or 0 when it concerns the whole file.
    public let line: Int
    /// The underlying error, if any.
    public let underlying: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, path: String, line: Int = 0, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.line = line
        self.underlying = underlying
    }

    public var description: String {
        var text = line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
