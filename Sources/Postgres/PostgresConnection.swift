internal import CLibPQ
public import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A connection to a PostgreSQL server over libpq, with a synchronous API.
///
/// libpq calls block and run on the calling thread; the caller decides which thread that is (keep it off the
/// cooperative pool for long statements). A connection must be used by one thread at a time, so the type is
/// not `Sendable`. The connection is closed when the object is released.
///
/// ```swift
/// let db = try PostgresConnection(url: "postgresql://segpipe@127.0.0.1:5432/segpipe", logger: logger)
/// let result = try db.execute("SELECT count(*) FROM orders WHERE status = $1", [.text("paid")])
/// let count = try result.decode(Int64.self, row: 0, column: 0)
/// ```
public final class PostgresConnection {
    /// The libpq connection; never nil after a successful `init`.
    let handle: OpaquePointer
    /// The logger for statements, COPY progress and server notices.
    public let logger: Logger
    /// Keeps the notice receiver's context alive as long as the connection.
    private let noticeSink: NoticeSink

    /// Opens a connection.
    ///
    /// - Parameters:
    ///   - url: A `postgresql://` URL or a libpq conninfo string (`host=… dbname=…`). With nil, libpq's defaults
    ///     and the standard `PG*` environment variables (`PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`,
    ///     `PGPASSWORD`, `PGPASSFILE`, `PGSERVICE`, …) apply. Passwords are best left to `PGPASSWORD` or
    ///     `~/.pgpass`.
    ///   - logger: Receives connection and statement logs (debug/info) and server notices.
    /// - Throws: `PostgresError` with code `.connection`; its description names host, port, database and user
    ///   but never the password or the connection string.
    public init(url: String? = nil, logger: Logger = Logger(label: "segpipe.postgres")) throws {
        self.logger = logger
        var secrets: [String] = []
        if let password = Self.environment("PGPASSWORD"), !password.isEmpty { secrets.append(password) }
        if let url {
            if url.utf8.contains(0) {
                throw PostgresError(.invalidArgument, "the connection string contains a NUL character")
            }
            secrets += try Self.passwords(in: url)
            secrets.append(url)
        }

        // Later keywords override those expanded from `dbname`, so the client encoding is always UTF-8, while an
        // application_name given in the URL or PGAPPNAME wins over the fallback.
        var pairs: [(String, String)] = []
        if let url { pairs.append(("dbname", url)) }
        pairs.append(("client_encoding", "UTF8"))
        pairs.append(("fallback_application_name", "segpipe"))
        let connection = Self.withCStringArrays(pairs) { keywords, values in
            PQconnectdbParams(keywords, values, 1)
        }
        guard let connection else {
            throw PostgresError(.connection, "cannot allocate a libpq connection (out of memory)")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = Self.redact(Self.text(PQerrorMessage(connection)), secrets: secrets)
            let target = Self.target(of: connection)
            PQfinish(connection)
            throw PostgresError(
                .connection,
                "cannot connect to PostgreSQL (\(target)): \(reason); check that the server is running and the "
                    + "URL or PG* environment variables are right (dev server: scripts/dev-postgres start)")
        }
        handle = connection
        noticeSink = NoticeSink(logger: logger)
        PQsetNoticeReceiver(connection, noticeReceiver, Unmanaged.passUnretained(noticeSink).toOpaque())
        if !(parameterStatus("DateStyle")?.hasPrefix("ISO") ?? false) {
            try executeScript("SET DateStyle = ISO")
        }
        logger.info(
            "connected to PostgreSQL",
            metadata: [
                "db.host": "\(Self.text(PQhost(connection)))", "db.port": "\(Self.text(PQport(connection)))",
                "db.name": "\(Self.text(PQdb(connection)))", "db.user": "\(Self.text(PQuser(connection)))",
                "db.server_version": "\(PQserverVersion(connection))",
            ])
    }

    deinit {
        PQfinish(handle)
    }

    // MARK: - Connection facts

    /// The server's version number, such as 150018 for 15.18.
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Whether the connection is still usable (libpq has not seen it fail).
    public var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Whether a transaction block is open (also when it has failed and awaits ROLLBACK).
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// A server parameter reported to the client (`server_version`, `TimeZone`, `DateStyle`, …).
    public func parameterStatus(_ name: String) -> String? {
        PQparameterStatus(handle, name).map { String(cString: $0) }
    }

    // MARK: - Statements

    /// Runs one statement with bound parameters (`$1`, `$2`, …) and returns its result.
    ///
    /// Uses the extended protocol (`PQexecParams`), so `sql` holds a single statement. Values are sent as
    /// parameters, never interpolated. Results arrive in text format and decode with `PostgresResult.decode`.
    /// - Throws: `PostgresError` (`.server` with `sqlState`, `.connection`, or `.invalidArgument` for text with
    ///   NUL characters).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue] = []) throws -> PostgresResult {
        try checkNoNUL(sql, what: "the SQL text")
        let clock = ContinuousClock()
        let started = clock.now
        var storage: [CChar] = []
        var offsets: [Int] = []
        var types: [Oid] = []
        offsets.reserveCapacity(parameters.count)
        types.reserveCapacity(parameters.count)
        for (index, parameter) in parameters.enumerated() {
            types.append(Oid(parameter.typeOID))
            guard let text = parameter.textRepresentation else {
                offsets.append(-1)
                continue
            }
            if text.utf8.contains(0) {
                throw PostgresError(
                    .invalidArgument,
                    "parameter $\(index + 1) contains a NUL character, which PostgreSQL text cannot hold; "
                        + "remove it or store the value as bytea")
            }
            offsets.append(storage.count)
            storage.append(contentsOf: text.utf8.map { CChar(bitPattern: $0) })
            storage.append(0)
        }
        let result = storage.withUnsafeBufferPointer { buffer in
            let values: [UnsafePointer<CChar>?] = offsets.map { offset in
                offset < 0 ? nil : buffer.baseAddress.map { $0 + offset }
            }
            return PQexecParams(handle, sql, Int32(parameters.count), types, values, nil, nil, 0)
        }
        let checked = try check(result, sql: sql)
        logger.debug(
            "statement executed",
            metadata: [
                "db.statement": "\(Self.summary(of: sql))", "db.parameters": "\(parameters.count)",
                "db.command": "\(checked.commandTag)", "db.rows": "\(checked.rowCount)",
                "db.duration_ms": "\(Self.milliseconds(clock.now - started))",
            ])
        return checked
    }

    /// Runs a script of one or more statements separated by semicolons (simple protocol, `PQexec`).
    ///
    /// Meant for DDL and migrations; takes no parameters. Unless the script has its own BEGIN/COMMIT, the
    /// statements run in one implicit transaction, so a failing statement undoes the earlier ones.
    /// - Returns: the result of the last statement.
    @discardableResult
    public func executeScript(_ sql: String) throws -> PostgresResult {
        try checkNoNUL(sql, what: "the SQL script")
        let clock = ContinuousClock()
        let started = clock.now
        let checked = try check(PQexec(handle, sql), sql: sql)
        logger.debug(
            "script executed",
            metadata: [
                "db.statement": "\(Self.summary(of: sql))", "db.command": "\(checked.commandTag)",
                "db.duration_ms": "\(Self.milliseconds(clock.now - started))",
            ])
        return checked
    }

    // MARK: - Results and errors

    /// Wraps a successful result or throws the error it carries; ends a COPY started by mistake.
    func check(_ result: OpaquePointer?, sql: String) throws -> PostgresResult {
        guard let result else { throw connectionError("the server sent no result") }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_SINGLE_TUPLE:
            return PostgresResult(result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            PQclear(result)
            abandonCopy(status == PGRES_COPY_IN)
            throw PostgresError(
                .copy, "a COPY statement was run with execute(); use copyIn(_:_:) or copyOut(_:_:) instead")
        default:
            let error = serverError(result)
            PQclear(result)
            throw error
        }
    }

    /// The error a failed result carries, with SQLSTATE and the server's fields.
    func serverError(_ result: OpaquePointer?) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let result, let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        guard let primary = field(DiagnosticField.messagePrimary) else {
            return connectionError("the server reported an error without a message")
        }
        var message = primary
        if let position = field(DiagnosticField.statementPosition) { message += " (at character \(position))" }
        if let context = field(DiagnosticField.context), !context.isEmpty {
            message += " [\(context.split(separator: "\n").first.map(String.init) ?? context)]"
        }
        let sqlState = field(DiagnosticField.sqlState)
        let isConnectionLost = PQstatus(handle) != CONNECTION_OK
        return PostgresError(
            isConnectionLost ? .connection : .server, message, sqlState: sqlState,
            detail: field(DiagnosticField.messageDetail), hint: field(DiagnosticField.messageHint),
            constraintName: field(DiagnosticField.constraintName), tableName: field(DiagnosticField.tableName))
    }

    /// An error built from libpq's last connection-level message.
    func connectionError(_ context: String) -> PostgresError {
        let reason = Self.text(PQerrorMessage(handle))
        let code: PostgresError.Code = PQstatus(handle) == CONNECTION_OK ? .server : .connection
        return PostgresError(code, reason.isEmpty ? context : "\(context): \(reason)")
    }

    /// Ends a COPY this wrapper did not ask for, so the connection is usable again.
    func abandonCopy(_ isCopyIn: Bool) {
        if isCopyIn {
            _ = PQputCopyEnd(handle, "segpipe: COPY is not supported through execute()")
        } else {
            var buffer: UnsafeMutablePointer<CChar>?
            while PQgetCopyData(handle, &buffer, 0) > 0 {
                PQfreemem(buffer)
                buffer = nil
            }
        }
        drainResults()
    }

    /// Reads and discards results until libpq reports none left.
    func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }

    private func checkNoNUL(_ text: String, what: String) throws {
        if text.utf8.contains(0) {
            throw PostgresError(.invalidArgument, "\(what) contains a NUL character, which PostgreSQL rejects")
        }
    }

    // MARK: - Helpers

    static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        var text = String(cString: pointer)
        while text.last?.isWhitespace == true { text.removeLast() }
        return text.replacingTabsAndNewlines()
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The first line of a statement, shortened, for logs (statement text only, never parameter values).
    static func summary(of sql: String) -> String {
        let line = sql.split(whereSeparator: \.isNewline).first { !$0.allSatisfy(\.isWhitespace) } ?? ""
        let trimmed = line.drop { $0.isWhitespace }
        return trimmed.count > 120 ? String(trimmed.prefix(120)) + "…" : String(trimmed)
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return (Double(seconds) * 1000 + Double(attoseconds) / 1e15 * 1000).rounded() / 1000
    }

    /// Calls `body` with NULL-terminated keyword and value arrays for `PQconnectdbParams`.
    private static func withCStringArrays<R>(
        _ pairs: [(String, String)],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> R
    ) -> R {
        var storage: [CChar] = []
        var offsets: [(Int, Int)] = []
        for (keyword, value) in pairs {
            let keywordOffset = storage.count
            storage.append(contentsOf: keyword.utf8.map { CChar(bitPattern: $0) } + [0])
            let valueOffset = storage.count
            storage.append(contentsOf: value.utf8.map { CChar(bitPattern: $0) } + [0])
            offsets.append((keywordOffset, valueOffset))
        }
        return storage.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress
            let keywords = offsets.map { offset in base.map { $0 + offset.0 } } + [nil]
            let values = offsets.map { offset in base.map { $0 + offset.1 } } + [nil]
            return keywords.withUnsafeBufferPointer { keywordBuffer in
                values.withUnsafeBufferPointer { valueBuffer in
                    body(keywordBuffer.baseAddress, valueBuffer.baseAddress)
                }
            }
        }
    }
}

/// Routes server notices (such as `NOTICE: schema "x" does not exist, skipping`) to the logger instead of stderr.
private final class NoticeSink {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}

private func noticeReceiver(_ context: UnsafeMutableRawPointer?, _ result: OpaquePointer?) {
    guard let context, let result else { return }
    let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
    func field(_ code: Int32) -> String { PQresultErrorField(result, code).map { String(cString: $0) } ?? "" }
    let severity = field(DiagnosticField.severityNonLocalized)
    let message = field(DiagnosticField.messagePrimary)
    let sqlState = field(DiagnosticField.sqlState)
    let level: Logger.Level = severity == "WARNING" ? .info : .debug
    sink.logger.log(
        level: level, "server notice",
        metadata: ["db.severity": "\(severity)", "db.sqlstate": "\(sqlState)", "db.notice": "\(message)"])
}

extension String {
    /// The text on one line: tabs and newlines (as in libpq's multi-line messages) become single spaces.
    fileprivate func replacingTabsAndNewlines() -> String {
        var result = ""
        var lastWasSpace = false
        for character in self {
            if character == "\n" || character == "\t" || character == "\r" {
                if !lastWasSpace { result.append(" ") }
                lastWasSpace = true
            } else {
                result.append(character)
                lastWasSpace = character == " "
            }
        }
        return result
    }
}
