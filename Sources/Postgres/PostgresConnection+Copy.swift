internal import CLibPQ
import Logging

extension PostgresConnection {
    /// Runs `COPY … FROM STDIN` and streams the data `body` writes.
    ///
    /// ```swift
    /// let rows = try db.copyIn("COPY t (id, name) FROM STDIN (FORMAT binary)") { writer in
    ///     var encoder = BinaryCopyEncoder()
    ///     encoder.writeHeader()
    ///     for (id, name) in items {
    ///         encoder.beginRow(fieldCount: 2)
    ///         encoder.writeInt64(id)
    ///         encoder.writeText(name)
    ///         if encoder.byteCount >= CopyInWriter.chunkSize { try writer.write(encoder.bytes); encoder.removeAll() }
    ///     }
    ///     encoder.writeTrailer()
    ///     try writer.write(encoder.bytes)
    /// }
    /// ```
    /// When `body` throws, the COPY is ended with an error message so the server aborts it (nothing is
    /// inserted, SQLSTATE 57014 on the server side) and the error from `body` is rethrown unchanged.
    /// - Returns: the number of rows copied.
    /// - Throws: the error of `body`, or `PostgresError` (`.server` with `sqlState` for bad data,
    ///   `.copy` when the statement is not a COPY FROM STDIN).
    @discardableResult
    public func copyIn(_ sql: String, _ body: (inout CopyInWriter) throws -> Void) throws -> Int {
        let clock = ContinuousClock()
        let started = clock.now
        try startCopy(sql, expecting: PGRES_COPY_IN)
        var writer = CopyInWriter(connection: handle)
        do {
            try body(&writer)
            try writer.flush()
        } catch {
            let serverError = abortCopyIn()
            // When libpq refused data because the server had already failed the COPY, its error says why.
            if writer.hasFailed, let serverError { throw serverError }
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            let error = connectionError("ending the COPY failed")
            drainResults()
            throw error
        }
        let rows = try finishCopy(sql)
        logger.debug(
            "copy in finished",
            metadata: [
                "db.statement": "\(Self.summary(of: sql))", "db.rows": "\(rows)", "db.bytes": "\(writer.bytesSent)",
                "db.duration_ms": "\(Self.milliseconds(clock.now - started))",
            ])
        return rows
    }

    /// Runs `COPY (…) TO STDOUT` and hands each chunk of data to `chunk` as it arrives.
    ///
    /// Each chunk is one row of the COPY format (libpq delivers a row per `PQgetCopyData`); the buffer is only
    /// valid during the call. `CopyTextDecoder` turns text-format chunks into typed values. When `chunk` throws,
    /// the COPY is cancelled, the connection made ready again and the error rethrown.
    /// - Returns: the number of rows copied.
    @discardableResult
    public func copyOut(_ sql: String, _ chunk: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let clock = ContinuousClock()
        let started = clock.now
        try startCopy(sql, expecting: PGRES_COPY_OUT)
        var bytes = 0
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let count = PQgetCopyData(handle, &buffer, 0)
            if count > 0, let buffer {
                bytes += Int(count)
                do {
                    defer { PQfreemem(buffer) }
                    try chunk(UnsafeRawBufferPointer(start: buffer, count: Int(count)))
                } catch {
                    cancelCopyOut()
                    throw error
                }
            } else if count == -1 {
                break
            } else {
                let error = connectionError("receiving COPY data failed")
                drainResults()
                throw error
            }
        }
        let rows = try finishCopy(sql)
        logger.debug(
            "copy out finished",
            metadata: [
                "db.statement": "\(Self.summary(of: sql))", "db.rows": "\(rows)", "db.bytes": "\(bytes)",
                "db.duration_ms": "\(Self.milliseconds(clock.now - started))",
            ])
        return rows
    }

    // MARK: - Internals

    private func startCopy(_ sql: String, expecting expected: ExecStatusType) throws {
        if sql.utf8.contains(0) {
            throw PostgresError(.invalidArgument, "the COPY statement contains a NUL character")
        }
        guard let result = PQexec(handle, sql) else { throw connectionError("the server sent no result") }
        let status = PQresultStatus(result)
        if status == expected {
            PQclear(result)
            return
        }
        if status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR {
            let error = serverError(result)
            PQclear(result)
            throw error
        }
        PQclear(result)
        if status == PGRES_COPY_IN || status == PGRES_COPY_OUT { abandonCopy(status == PGRES_COPY_IN) }
        drainResults()
        let wanted = expected == PGRES_COPY_IN ? "COPY … FROM STDIN" : "COPY … TO STDOUT"
        throw PostgresError(.copy, "the statement is not a \(wanted): \(Self.summary(of: sql))")
    }

    /// Reads the COPY's final result and returns the rows it reports.
    private func finishCopy(_ sql: String) throws -> Int {
        var rows = 0
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            if status == PGRES_COMMAND_OK {
                rows = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
            } else if failure == nil {
                failure = serverError(result)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return rows
    }

    /// Ends a COPY FROM STDIN with an error so the server rolls it back; returns the server's error, if any.
    private func abortCopyIn() -> PostgresError? {
        _ = PQputCopyEnd(handle, "COPY aborted by the client (segpipe): the data source failed")
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            if failure == nil, PQresultStatus(result) != PGRES_COMMAND_OK { failure = serverError(result) }
            PQclear(result)
        }
        logger.debug("copy in aborted", metadata: ["db.sqlstate": "\(failure?.sqlState ?? "")"])
        // The server cancelled the COPY on our request (57014): that is not the error to report.
        return failure?.isQueryCanceled == true ? nil : failure
    }

    /// Cancels a running COPY TO STDOUT and discards what is still in flight.
    private func cancelCopyOut() {
        if let cancel = PQgetCancel(handle) {
            var message = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel, &message, Int32(message.count))
            PQfreeCancel(cancel)
        }
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(handle, &buffer, 0) > 0 {
            PQfreemem(buffer)
            buffer = nil
        }
        drainResults()
        logger.debug("copy out cancelled")
    }
}
