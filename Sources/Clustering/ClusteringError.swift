/// An error from a clustering computation.
public struct ClusteringError: Error, Sendable, CustomStringConvertible {
    /// A category of clustering error; new categories may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidArgument, tooLarge
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A parameter is out of range or inconsistent with the data (k > n, wrong weight count, …).
        public static let invalidArgument = Code(.invalidArgument)
        /// The input needs more memory than the method allows; the message names the alternative.
        public static let tooLarge = Code(.tooLarge)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong, where, and how to fix it.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
