/// An error from reading or writing columnar data.
public struct ColumnarError: Error, Sendable, CustomStringConvertible {
    /// A category of columnar error; new categories may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case schemaMismatch, malformedFile, unsupportedType, checksumMismatch, io
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Columns of unequal length, duplicate names, or a type other than expected.
        public static let schemaMismatch = Code(.schemaMismatch)
        /// The file is not a valid Arrow IPC file (truncated, bad magic, bad flatbuffer).
        public static let malformedFile = Code(.malformedFile)
        /// The file uses an Arrow type or feature segpipe does not read.
        public static let unsupportedType = Code(.unsupportedType)
        /// A file's checksum differs from the one recorded for it.
        public static let checksumMismatch = Code(.checksumMismatch)
        /// The operating system refused a read, write, fsync or rename.
        public static let io = Code(.io)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong, where, and how to fix it.
    public let message: String
    /// The file concerned, if any.
    public let path: String?
    /// The underlying error, if any.
    public let underlying: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, path: String? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.underlying = underlying
    }

    public var description: String {
        var text = path.map { "\($0): \(message)" } ?? message
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
