/// An error that stops a pipeline command, carrying the exit code a scheduler sees.
///
/// Bad rows are never errors: they become ``Reject`` values in the rejects table. This type is for what stops
/// the run: a broken configuration, an unreadable file, a database failure, a data-quality threshold.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    /// A category of failure; new categories may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case configuration, usage, input, dataQuality, locked, checkpoint, database, io, cancelled, `internal`
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The pipeline file or settings are invalid (exit code 2).
        public static let configuration = Code(.configuration)
        /// The command line asks for something impossible, such as an unknown run id (exit code 2).
        public static let usage = Code(.usage)
        /// An input file or source cannot be read as a whole (exit code 1).
        public static let input = Code(.input)
        /// A data-quality threshold was exceeded; nothing was published (exit code 3).
        public static let dataQuality = Code(.dataQuality)
        /// Another run holds the pipeline's lock (exit code 75).
        public static let locked = Code(.locked)
        /// A checkpoint is missing, corrupt or from another configuration (exit code 1).
        public static let checkpoint = Code(.checkpoint)
        /// The database refused or failed (exit code 1).
        public static let database = Code(.database)
        /// The file system refused a read or write (exit code 1).
        public static let io = Code(.io)
        /// The run was interrupted by a signal (exit code 1).
        public static let cancelled = Code(.cancelled)
        /// A bug: an invariant did not hold (exit code 1).
        public static let `internal` = Code(.internal)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong, where, and how to fix it.
    public let message: String
    /// The underlying error, if any.
    public let underlying: (any Error)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    /// The process exit code for schedulers: 2 configuration/usage, 3 data quality, 75 locked, otherwise 1.
    public var exitCode: Int32 {
        switch code {
        case .configuration, .usage: 2
        case .dataQuality: 3
        case .locked: 75
        default: 1
        }
    }

    public var description: String {
        guard let underlying else { return message }
        return "\(message): \(underlying)"
    }
}
