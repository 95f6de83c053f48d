import Columnar
import Foundation
import Logging
import Postgres

/// Publishes a run into PostgreSQL: schema migrations, then all result tables in one transaction.
///
/// Publication is atomic: the run's old rows are deleted, the new rows copied with binary COPY and the run's
/// status set to `published` in a single transaction, so analysts see all of a run or none of it, and a failed
/// load leaves the previous published run untouched. Reloading the same run replaces it (idempotent).
struct LoadStage {
    let context: StageContext

    func run(_ inputs: StageInputs, manifests: [StageName: StageManifest]) throws(PipelineError) -> StageOutput {
        let schema = PostgresIdentifier.quote(context.configuration.load.schema)
        let logger = context.logger
        let connection = try connect(logger: logger)
        try lockPipeline(connection)
        defer { unlockPipeline(connection) }
        try ResultSchema(name: context.configuration.load.schema, readRole: context.configuration.load.readRole)
            .migrate(connection, logger: logger)

        let rejects = try RejectTable.concatenating([
            try inputs.table("rejects", of: .extract), try inputs.table("rejects", of: .clean),
        ])
        var loads: [(table: String, rows: Table)] = [
            ("segments", try inputs.table("segments", of: .segment)),
            ("customer_segments", try inputs.table("customer_segments", of: .segment)),
            ("customer_features", try pseudonymized(try inputs.table("customer_features", of: .features), inputs)),
            ("customer_id_map", try inputs.table("customer_id_map", of: .dedupe)),
            ("rejects", rejects),
        ]
        for optional in ["segment_profiles", "k_selection", "segment_attribute_shares"] {
            if let table = try? inputs.table(optional, of: .segment) { loads.append((optional, table)) }
        }
        let stats = Self.stats(manifests)
        let startedAt = manifests[.extract]?.startedAt ?? CalendarDate.timestampString()
        let configDigest = Digest.sha256(
            StageName.allCases.compactMap { manifests[$0].map { "\($0.stage)=\($0.configDigest)" } }.joined(
                separator: "\n"))
        // Every row to copy is known now: the progress line shows the share sent and an ETA.
        context.progress.expectTotal(Int64(loads.reduce(0) { $0 + $1.rows.rowCount }), of: .rows)
        var loaded: [String: JSONValue] = [:]
        let clock = ContinuousClock()
        let started = clock.now
        let large = loads.filter { LoadSchema.largeTables.contains($0.table) }
        do {
            // One load per schema at a time, from before the partitions are staged until the run is published.
            try lockSchema(connection)
            defer { unlockSchema(connection) }
            try dropStagingTables(connection, schema: schema)
            // The per-customer tables are filled on connections of their own, side by side, outside the publishing
            // transaction (under staging names no query reads); the transaction then only attaches them.
            let staged = try stage(large, schema: schema)
            try context.checkCancellation()
            try connection.transaction {
                _ = try connection.execute(
                    """
                    INSERT INTO \(schema).runs (run_id, pipeline, status, as_of, started_at, config_digest, tool_version, stats)
                    VALUES ($1, $2, 'loading', $3::date, $4::timestamptz, $5, $6, $7::jsonb)
                    ON CONFLICT (run_id) DO UPDATE SET pipeline = EXCLUDED.pipeline, status = 'loading',
                        as_of = EXCLUDED.as_of, started_at = EXCLUDED.started_at,
                        config_digest = EXCLUDED.config_digest, tool_version = EXCLUDED.tool_version,
                        stats = EXCLUDED.stats, published_at = NULL, finished_at = NULL
                    """,
                    [
                        .text(context.runID), .text(context.configuration.name),
                        .text(CalendarDate.isoString(context.asOf)), .text(startedAt), .text(configDigest),
                        .text(SegpipeVersion.current), .text(CanonicalJSON.string(stats)),
                    ])
                // Replace every row of this run, including tables this load has nothing for: the partitions of the
                // per-customer tables are dropped, the rows of the others deleted.
                for name in LoadSchema.columns.keys.sorted() {
                    if LoadSchema.largeTables.contains(name) {
                        try dropPartition(of: name, run: context.runID, schema: schema, connection: connection)
                    } else {
                        try connection.execute(
                            "DELETE FROM \(schema).\(PostgresIdentifier.quote(name)) WHERE run_id = $1",
                            [.text(context.runID)])
                    }
                }
                for (name, rows) in loads {
                    let count: Int
                    if let rowCount = staged[name] {
                        try attachStaged(name, schema: schema, connection: connection)
                        count = rowCount
                    } else {
                        count = try copy(rows, into: name, schema: schema, connection: connection)
                    }
                    loaded[name] = .int(Int64(count))
                    FaultInjection.pauseIfRequested(
                        at: "load:\(name)", logger: logger, isCancelled: context.isCancelled)
                    logger.info("table loaded", metadata: ["table": "\(name)", "rows": "\(count)"])
                    // A cancelled load rolls back here: nothing of this run is published.
                    try context.checkCancellation()
                }
                _ = try connection.execute(
                    "UPDATE \(schema).runs SET status = 'published', published_at = now(), finished_at = now() WHERE run_id = $1",
                    [.text(context.runID)])
                if context.configuration.load.keepRuns > 0 {
                    let prunedIDs = """
                        SELECT run_id FROM \(schema).runs WHERE status = 'published' AND pipeline = $1
                        ORDER BY as_of DESC, published_at DESC OFFSET $2
                        """
                    let parameters: [PostgresValue] = [
                        .text(context.configuration.name), .int64(Int64(context.configuration.load.keepRuns)),
                    ]
                    // The large tables have no foreign key (schema version 8): drop their runs' partitions first.
                    let prunedRuns = try connection.execute(prunedIDs, parameters)
                    for row in 0..<prunedRuns.rowCount {
                        let run = try prunedRuns.decode(String.self, row: row, column: 0)
                        for table in LoadSchema.largeTables {
                            try dropPartition(of: table, run: run, schema: schema, connection: connection)
                        }
                    }
                    let pruned = try connection.execute(
                        "DELETE FROM \(schema).runs WHERE run_id IN (\(prunedIDs))", parameters)
                    loaded["runs_pruned"] = .int(Int64(pruned.affectedRows))
                }
            }
        } catch {
            try? dropStagingTables(connection, schema: schema)
            markFailed(connection, schema: schema, error: error)
            if let error = error as? PipelineError { throw error }
            throw PipelineError(
                .database, "loading run \(context.runID) into schema \(schema) failed; nothing was published",
                underlying: error)
        }
        let seconds =
            Double((clock.now - started).components.seconds) + Double((clock.now - started).components.attoseconds)
            / 1e18
        loaded["seconds"] = .double(seconds)
        return StageOutput(
            tables: [], metrics: ["rows_loaded": .object(loaded), "schema": .string(context.configuration.load.schema)])
    }

    /// Takes the session-level advisory lock of this pipeline for the whole load, so two machines sharing the
    /// database cannot publish the same pipeline at once (the file lock only covers one machine).
    private func lockPipeline(_ connection: PostgresConnection) throws(PipelineError) {
        let name = context.configuration.name
        let isLocked: Bool
        do {
            isLocked = try connection.execute(
                "SELECT pg_try_advisory_lock(hashtext('segpipe.run.' || $1))", [.text(name)]
            ).decode(Bool.self, row: 0, column: 0)
        } catch {
            throw PipelineError(.database, "cannot take the load lock of pipeline \"\(name)\"", underlying: error)
        }
        guard isLocked else {
            throw PipelineError(
                .locked,
                "another segpipe run of pipeline \"\(name)\" is loading into this database (it holds the "
                    + "PostgreSQL advisory lock segpipe.run.\(name)); nothing was loaded, "
                    + "try again when it has finished")
        }
    }

    /// Releases the lock of ``lockPipeline(_:)``; closing the connection would release it too.
    private func unlockPipeline(_ connection: PostgresConnection) {
        _ = try? connection.execute(
            "SELECT pg_advisory_unlock(hashtext('segpipe.run.' || $1))", [.text(context.configuration.name)])
    }

    /// The waits before each new connection attempt: a server that is restarting gets 3.5 s to come back.
    static let connectRetryDelays: [Double] = [0.5, 1, 2]

    /// Connects to the load database, retrying with backoff (connecting changes nothing, so it is safe to repeat).
    private func connect(logger: Logger) throws(PipelineError) -> PostgresConnection {
        var attempt = 1
        while true {
            do {
                return try PostgresConnection(url: context.databaseURL, logger: logger)
            } catch {
                guard attempt <= Self.connectRetryDelays.count else {
                    throw PipelineError(
                        .database, "cannot connect to the load database (\(attempt) attempts)", underlying: error)
                }
                let delay = Self.connectRetryDelays[attempt - 1]
                logger.warning(
                    "cannot connect to the load database; retrying",
                    metadata: ["attempt": "\(attempt)", "retry_in_s": "\(delay)"])
                Thread.sleep(forTimeInterval: delay)
                attempt += 1
            }
        }
    }

    /// The features with `email_hash` and `phone_hash` added when `load.pseudonymize_contacts` is on.
    private func pseudonymized(_ features: Table, _ inputs: StageInputs) throws(PipelineError) -> Table {
        guard context.configuration.load.pseudonymizeContacts else { return features }
        guard let key = ProcessInfo.processInfo.environment["SEGPIPE_PSEUDONYM_KEY"], key.utf8.count >= 16 else {
            throw PipelineError(
                .configuration,
                "load.pseudonymize_contacts needs a key of at least 16 bytes in SEGPIPE_PSEUDONYM_KEY")
        }
        let mac = HMACSHA256(key: Array(key.utf8))
        let customers = try inputs.table("customers", of: .dedupe)
        let ids = try customers.strings("customer_id")
        var hashes: [String: (email: String?, phone: String?)] = [:]
        hashes.reserveCapacity(customers.rowCount)
        for (field, name) in [("email", \(email: String?, phone: String?).email), ("phone", \.phone)] {
            let values = try customers.strings(field)
            let valid = try customers.validity(field)
            for row in 0..<customers.rowCount where (valid?[row] ?? true) && values.byteCount(at: row) > 0 {
                let hash = values.withUTF8(at: row) { mac.hex($0) }
                hashes[ids[row], default: (nil, nil)][keyPath: name] = hash
            }
        }
        let featureIDs = try features.strings("customer_id")
        var email = ColumnBuilder(name: "email_hash", type: .utf8, capacity: features.rowCount)
        var phone = ColumnBuilder(name: "phone_hash", type: .utf8, capacity: features.rowCount)
        for row in 0..<features.rowCount {
            let entry = hashes[featureIDs[row]]
            email.append(entry?.email)
            phone.append(entry?.phone)
        }
        do {
            return try Table(columns: features.columns + [email.build(), phone.build()])
        } catch {
            throw PipelineError(.internal, "cannot add contact hashes", underlying: error)
        }
    }

    /// Records a failed load without touching a run that is already published.
    private func markFailed(_ connection: PostgresConnection, schema: String, error: any Error) {
        _ = try? connection.execute(
            """
            INSERT INTO \(schema).runs (run_id, pipeline, status, as_of, config_digest, tool_version, finished_at)
            VALUES ($1, $2, 'failed', $3::date, '', $4, now())
            ON CONFLICT (run_id) DO UPDATE SET status = 'failed', finished_at = now()
            WHERE \(schema).runs.status <> 'published'
            """,
            [
                .text(context.runID), .text(context.configuration.name), .text(CalendarDate.isoString(context.asOf)),
                .text(SegpipeVersion.current),
            ])
    }

    /// Drops the partition of `table` that holds `run`, if there is one.
    private func dropPartition(of table: String, run: String, schema: String, connection: PostgresConnection) throws {
        let partition = PostgresIdentifier.quote(LoadSchema.partitionName(of: table, run: run))
        try connection.execute("DROP TABLE IF EXISTS \(schema).\(partition)")
    }

    // MARK: - Staged partitions

    /// Connections that fill the per-customer tables' partitions side by side, each on a thread of its own (they
    /// mostly wait for the server, whose COPY and index builds take most of the time). Three keep a two-core server
    /// busy: the smallest tables' connection has finished before the largest table's index builds start.
    static let stagingConnections = 3

    /// The name a run's partition of per-customer table `table` is filled under before the publishing transaction
    /// renames and attaches it.
    static func stagingName(of table: String, run runID: String) -> String {
        LoadSchema.partitionName(of: table, run: runID) + "_staging"
    }

    /// Takes the session-level advisory lock of the load schema (waiting for another load into it to finish).
    private func lockSchema(_ connection: PostgresConnection) throws {
        _ = try connection.execute(
            "SELECT pg_advisory_lock(hashtext($1))", [.text("segpipe.load." + context.configuration.load.schema)])
    }

    private func unlockSchema(_ connection: PostgresConnection) {
        _ = try? connection.execute(
            "SELECT pg_advisory_unlock(hashtext($1))", [.text("segpipe.load." + context.configuration.load.schema)])
    }

    /// Drops every staging table left in the schema by a load that did not finish (this one's after a failure).
    /// Only called under the schema lock, so no other load's staging table can be in use.
    private func dropStagingTables(_ connection: PostgresConnection, schema: String) throws {
        let leftovers = try connection.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind = 'r' AND NOT c.relispartition AND c.relname LIKE '%\\_staging'
            """, [.text(context.configuration.load.schema)])
        for row in 0..<leftovers.rowCount {
            let name = try leftovers.decode(String.self, row: row, column: 0)
            guard LoadSchema.largeTables.contains(where: { name.hasPrefix($0 + "_") }) else { continue }
            try connection.execute("DROP TABLE IF EXISTS \(schema).\(PostgresIdentifier.quote(name))")
        }
    }

    /// Fills each table's partition for this run under its staging name, with the run's CHECK constraint (so the
    /// attach need not scan it) and its indexes, on ``stagingConnections`` connections at once (largest tables
    /// first, each to the connection with the least so far); each table is committed on its own. Returns the rows
    /// copied per table.
    private func stage(_ tables: [(table: String, rows: Table)], schema: String) throws(PipelineError) -> [String: Int] {
        var groups = [[(table: String, rows: Table)]](repeating: [], count: Self.stagingConnections)
        var weights = [Int](repeating: 0, count: Self.stagingConnections)
        let weight = { (item: (table: String, rows: Table)) in item.rows.rowCount * max(item.rows.columns.count, 1) }
        for item in tables.sorted(by: { weight($0) > weight($1) }) {
            let lightest = weights.indices.min { weights[$0] < weights[$1] } ?? 0
            groups[lightest].append(item)
            weights[lightest] += weight(item)
        }
        let logger = context.logger
        let counts = try concurrentlyWaiting(groups.filter { !$0.isEmpty }) {
            group throws(PipelineError) -> [(String, Int)] in
            let connection = try connect(logger: logger)
            var counts: [(String, Int)] = []
            for (name, rows) in group {
                do {
                    let count = try connection.transaction {
                        try fillStaging(name, rows: rows, schema: schema, connection: connection)
                    }
                    counts.append((name, count))
                    logger.info("table staged", metadata: ["table": "\(name)", "rows": "\(count)"])
                } catch let error as PipelineError {
                    throw error
                } catch {
                    throw PipelineError(
                        .database, "loading run \(context.runID) into schema \(schema) failed while filling \(name); "
                            + "nothing was published", underlying: error)
                }
            }
            return counts
        }
        return Dictionary(counts.flatMap { $0 }, uniquingKeysWith: { first, _ in first })
    }

    /// Creates the staging table of `name` (the parent's columns and comments), copies `rows` into it and builds
    /// the parent's primary key and indexes on it; returns the rows copied.
    private func fillStaging(_ name: String, rows: Table, schema: String, connection: PostgresConnection) throws -> Int {
        let parent = "\(schema).\(PostgresIdentifier.quote(name))"
        let stagingName = Self.stagingName(of: name, run: context.runID)
        let staging = "\(schema).\(PostgresIdentifier.quote(stagingName))"
        // The staging transaction's commit need not wait for its WAL (as large as the table) to reach the disk: no
        // query reads a staging table, a crash before the flush only loses it (the next load drops what is left),
        // and the publishing transaction's own commit, which does wait, flushes everything written before it.
        try connection.executeScript(
            """
            SET LOCAL synchronous_commit = off;
            DROP TABLE IF EXISTS \(staging);
            CREATE TABLE \(staging) (LIKE \(parent) INCLUDING DEFAULTS INCLUDING COMMENTS);
            ALTER TABLE \(staging) ADD CONSTRAINT \(PostgresIdentifier.quote(name + "_run_check"))
                CHECK (run_id = \(PostgresLiteral.quote(context.runID)));
            """)
        // Created in this transaction, so its rows can be written frozen.
        let count = try copy(
            rows, into: stagingName, columnsOf: name, schema: schema, freeze: true, connection: connection)
        let (primaryKey, indexes) = LoadSchema.largeTableIndexes[name] ?? (nil, [])
        var script = ""
        if let primaryKey {
            script += "ALTER TABLE \(staging) ADD CONSTRAINT \(PostgresIdentifier.quote(stagingName + "_pkey")) "
                + "PRIMARY KEY (\(primaryKey));\n"
        }
        for (number, index) in indexes.enumerated() {
            script += "CREATE INDEX \(PostgresIdentifier.quote(stagingName + "_idx\(number + 1)")) "
                + "ON \(staging) (\(index.columns));\n"
        }
        if !script.isEmpty {
            // Enough sort memory for a million-row index to be sorted in memory rather than in temporary files,
            // and no parallel workers: the other staging sessions keep the cores busy, so workers only add their
            // start and the merge of their sorts (about 8 % more CPU for a million-row table's two indexes).
            try connection.executeScript(
                "SET LOCAL maintenance_work_mem = '256MB';\nSET LOCAL max_parallel_maintenance_workers = 0;\n"
                    + script)
        }
        return count
    }

    /// Inside the publishing transaction: renames the staged table of `name` to the run's partition and attaches
    /// it (its CHECK constraint spares the scan, its indexes become the partition's), then drops the constraint.
    private func attachStaged(_ name: String, schema: String, connection: PostgresConnection) throws {
        let parent = "\(schema).\(PostgresIdentifier.quote(name))"
        let partitionName = LoadSchema.partitionName(of: name, run: context.runID)
        let partition = "\(schema).\(PostgresIdentifier.quote(partitionName))"
        let staging = "\(schema).\(PostgresIdentifier.quote(Self.stagingName(of: name, run: context.runID)))"
        let stagingName = Self.stagingName(of: name, run: context.runID)
        let (primaryKey, indexes) = LoadSchema.largeTableIndexes[name] ?? (nil, [])
        // The indexes take the partition's name too (the old partition, and its indexes, are dropped by now).
        var renames = ""
        if primaryKey != nil {
            renames += "ALTER TABLE \(partition) RENAME CONSTRAINT \(PostgresIdentifier.quote(stagingName + "_pkey")) "
                + "TO \(PostgresIdentifier.quote(partitionName + "_pkey"));\n"
        }
        for number in indexes.indices {
            renames += "ALTER INDEX \(schema).\(PostgresIdentifier.quote(stagingName + "_idx\(number + 1)")) "
                + "RENAME TO \(PostgresIdentifier.quote(partitionName + "_idx\(number + 1)"));\n"
        }
        try connection.executeScript(
            """
            ALTER TABLE \(staging) RENAME TO \(PostgresIdentifier.quote(partitionName));
            \(renames)COMMENT ON TABLE \(partition) IS \(PostgresLiteral.quote(LoadSchema.partitionComment(of: name, run: context.runID)));
            ALTER TABLE \(parent) ATTACH PARTITION \(partition) FOR VALUES IN (\(PostgresLiteral.quote(context.runID)));
            ALTER TABLE \(partition) DROP CONSTRAINT \(PostgresIdentifier.quote(name + "_run_check"));
            """)
    }

    // MARK: - COPY

    private func copy(_ table: Table, into name: String, schema: String, connection: PostgresConnection) throws -> Int {
        try copy(table, into: name, columnsOf: name, schema: schema, freeze: false, connection: connection)
    }

    /// Copies the columns of `table` that the load table `columnsOf` has into `name` (that table or its partition);
    /// `freeze` for a table created in the current transaction (see ``BinaryTableCopy/copy``).
    private func copy(
        _ table: Table, into name: String, columnsOf loadTable: String, schema: String, freeze: Bool,
        connection: PostgresConnection
    ) throws -> Int {
        // Checkpoint columns the database table does not have (such as per-pipeline centroid columns) stay in
        // the checkpoint; the rest are copied by name.
        let known = Set(LoadSchema.columns[loadTable] ?? [])
        let selected = table.columns.filter { known.contains($0.name == "table" ? "source_table" : $0.name) }
        let columns = selected.map { $0.name == "table" ? "source_table" : $0.name }
        return try BinaryTableCopy.copy(
            selected, rowCount: table.rowCount, into: "\(schema).\(PostgresIdentifier.quote(name))",
            columnNames: columns,
            leading: ("run_id", context.runID), freeze: freeze, connection: connection,
            onRowsSent: context.progress.rowsProcessed
        ).rows
    }

    // MARK: - Stats

    /// Per-stage metrics and timings for the `runs.stats` column.
    static func stats(_ manifests: [StageName: StageManifest]) -> [String: JSONValue] {
        var stages: [String: JSONValue] = [:]
        for (stage, manifest) in manifests {
            var entry = manifest.metrics
            entry["duration_seconds"] = .double(manifest.durationSeconds ?? 0)
            entry["rows"] = .object(Dictionary(manifest.files.map { ($0.table, JSONValue.int(Int64($0.rows))) }) { $1 })
            stages[stage.rawValue] = .object(entry)
        }
        return ["stages": .object(stages)]
    }
}
