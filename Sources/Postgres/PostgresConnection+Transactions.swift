import Logging

extension PostgresConnection {
    /// Runs `body` in a transaction: BEGIN, then COMMIT when it returns, ROLLBACK when it throws.
    ///
    /// If a statement in the transaction failed but `body` caught the error and returned, the server turns
    /// COMMIT into ROLLBACK; that is reported as `PostgresError(.transaction)` rather than ignored.
    /// Transactions do not nest: calling this inside a transaction throws `PostgresError(.transaction)`.
    /// - Returns: what `body` returns.
    /// - Throws: the error of `body` (after rolling back), or `PostgresError`.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction {
            throw PostgresError(
                .transaction, "a transaction is already open on this connection; transactions do not nest")
        }
        try executeScript("BEGIN")
        let value: T
        do {
            value = try body()
        } catch {
            rollback()
            throw error
        }
        let commit: PostgresResult
        do {
            commit = try executeScript("COMMIT")
        } catch {
            rollback()
            throw error
        }
        if commit.commandTag == "ROLLBACK" {
            throw PostgresError(
                .transaction,
                "the transaction was rolled back because a statement in it failed and the error was caught; "
                    + "let the error propagate out of the transaction body")
        }
        return value
    }

    private func rollback() {
        guard isInTransaction else { return }
        do {
            try executeScript("ROLLBACK")
        } catch {
            logger.info("rollback failed", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Advisory locks

    /// Takes the session-level advisory lock `key` if no other session holds it, without waiting.
    ///
    /// Session locks stack: each successful call needs one `advisoryUnlock(key:)`; all are released when the
    /// connection closes.
    /// - Returns: whether the lock was taken.
    public func tryAdvisoryLock(key: Int64) throws -> Bool {
        try execute("SELECT pg_try_advisory_lock($1)", [.int64(key)]).decode(Bool.self, row: 0, column: 0)
    }

    /// Takes the session-level advisory lock `key`, waiting as long as another session holds it.
    public func advisoryLock(key: Int64) throws {
        try execute("SELECT pg_advisory_lock($1)", [.int64(key)])
    }

    /// Releases one hold of the session-level advisory lock `key`.
    /// - Returns: whether this session held the lock.
    @discardableResult
    public func advisoryUnlock(key: Int64) throws -> Bool {
        try execute("SELECT pg_advisory_unlock($1)", [.int64(key)]).decode(Bool.self, row: 0, column: 0)
    }
}
