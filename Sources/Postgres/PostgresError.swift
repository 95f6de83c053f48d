/// An error from connecting to PostgreSQL, running a statement, copying or decoding a value.
///
/// `description` never contains a password, a connection string or bind values. The server's `detail` (which
/// can quote row values, such as the duplicate key of a unique violation) is kept out of `description` and is
/// available as a property and in `debugDescription`.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A category of PostgreSQL error; new categories may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case connection, server, copy, decoding, invalidArgument, transaction
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The connection could not be opened, or was lost.
        public static let connection = Code(.connection)
        /// The server rejected a statement; `sqlState` says why.
        public static let server = Code(.server)
        /// A COPY failed or was used incorrectly.
        public static let copy = Code(.copy)
        /// A result value is NULL or not of the requested type.
        public static let decoding = Code(.decoding)
        /// The caller passed something libpq or PostgreSQL cannot accept (such as a NUL character in text).
        public static let invalidArgument = Code(.invalidArgument)
        /// A transaction could not begin or commit, or was rolled back by the server.
        public static let transaction = Code(.transaction)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What went wrong, where, and how to fix it (the server's primary message for server errors).
    public let message: String
    /// The five-character SQLSTATE (`PG_DIAG_SQLSTATE`), such as `23505`, when the server reported one.
    public let sqlState: String?
    /// The server's detail message; may quote row values, so it is not part of `description`.
    public let detail: String?
    /// The server's hint on how to fix the problem.
    public let hint: String?
    /// The constraint concerned (of a unique violation, say), when the server names one.
    public let constraintName: String?
    /// The table concerned, when the server names one.
    public let tableName: String?
    /// The underlying error, if any (such as the error thrown by a COPY body).
    public let underlying: (any Error)?

    /// Creates an error.
    public init(
        _ code: Code, _ message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        constraintName: String? = nil, tableName: String? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.constraintName = constraintName
        self.tableName = tableName
        self.underlying = underlying
    }

    /// Whether this is a unique-constraint violation (SQLSTATE `23505`).
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// Whether this is a foreign-key violation (SQLSTATE `23503`).
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// Whether this is a serialization failure or deadlock, which a retry may resolve (`40001`, `40P01`).
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// Whether the statement was cancelled (SQLSTATE `57014`), such as a COPY aborted by the client.
    public var isQueryCanceled: Bool { sqlState == "57014" }
    /// Whether the connection could not be opened or was lost (code `.connection` or SQLSTATE class `08`).
    public var isConnectionFailure: Bool { code == .connection || (sqlState?.hasPrefix("08") ?? false) }

    public var description: String {
        var text = sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message
        if let hint { text += "; hint: \(hint)" }
        if let underlying { text += " (\(underlying))" }
        return text
    }

    public var debugDescription: String {
        var text = "PostgresError(\(code)): \(description)"
        if let detail { text += "; detail: \(detail)" }
        return text
    }
}
