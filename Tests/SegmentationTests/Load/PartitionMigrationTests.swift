import Logging
import Postgres
import TestSupport
import Testing

@testable import Segmentation

/// Schema version 10 turns the per-customer tables into tables partitioned by run, keeping every row, comment and
/// view of a version-9 schema; version 11 re-keys them customer first.
@Suite(.serialized, .enabled(if: TestDatabase.isEnabled, "DATABASE_URL not set: run scripts/dev-postgres start"))
struct PartitionMigrationTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func versionTenKeepsRowsViewsAndCommentsOfEveryRun() throws {
        // Two published runs (the second is the current one), one with a run id longer than a table name can be.
        let long = "nightly-" + String(repeating: "x", count: 70)
        let schema = try twoRuns(prefix: "partitions", second: long, through: 9)
        defer { schema.drop() }
        let (connection, s) = (schema.connection, schema.quotedName)
        let migrated = try ResultSchema(name: schema.name, readRole: nil).migrate(connection, logger: logger)
        #expect(migrated == (9, LoadSchema.currentVersion))
        func value(_ sql: String) throws -> String { try Self.value(connection, sql) }
        for table in LoadSchema.largeTables {
            #expect(
                try value("SELECT relkind::text FROM pg_class WHERE oid = '\(s).\(table)'::regclass") == "p", "\(table)")
        }
        #expect(try value("SELECT count(*) FROM \(s).customer_segments WHERE run_id = 'r1'") == "2")
        #expect(try value("SELECT count(*) FROM \(s).customer_features") == "3")
        #expect(try value("SELECT count(*) FROM \(s).customer_id_map") == "3")
        #expect(try value("SELECT count(*) FROM \(s).rejects") == "1")
        // Each run's rows are in a partition of its own, named as the loader names it.
        let partition = LoadSchema.partitionName(of: "customer_segments", run: long)
        #expect(partition.utf8.count < 64)
        #expect(
            try value("SELECT count(*) FROM \(s).\(PostgresIdentifier.quote(partition))") == "1")
        #expect(
            try value(
                "SELECT count(*) FROM pg_inherits WHERE inhparent = '\(s).customer_segments'::regclass") == "2")
        // The views read the new tables.
        #expect(try value("SELECT string_agg(segment_label, ',') FROM \(s).current_customer_segments") == "New")
        #expect(
            try value("SELECT from_segment || '>' || to_segment FROM \(s).segment_transitions") == "Loyal>New")
        #expect(try value("SELECT count(*) FROM \(s).current_segment_kpis") == "1")
        // Every table (partitions included), view and column still has its comment.
        let uncommented = try value(
            """
            SELECT coalesce(string_agg(c.relname || '.' || coalesce(a.attname, ''), ', '), '')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = '\(schema.name)' AND c.relkind IN ('r', 'p', 'v')
              AND (obj_description(c.oid, 'pg_class') IS NULL
                   OR (a.attnum IS NOT NULL AND col_description(c.oid, a.attnum) IS NULL))
            """)
        #expect(uncommented.isEmpty, "without comment: \(uncommented)")
        #expect(try value("SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_v9' ESCAPE '\\'") == "0")
    }

    @Test func versionElevenKeysEveryPartitionByCustomerFirst() throws {
        let schema = try twoRuns(prefix: "rekey", second: "r2", through: 10)
        defer { schema.drop() }
        let (connection, s) = (schema.connection, schema.quotedName)
        let migrated = try ResultSchema(name: schema.name, readRole: nil).migrate(connection, logger: logger)
        #expect(migrated == (10, LoadSchema.currentVersion))
        func value(_ sql: String) throws -> String { try Self.value(connection, sql) }
        /// The key columns of every index on `table` (partitioned parent or partition), sorted.
        func indexes(_ table: String) throws -> String {
            try value(
                """
                SELECT coalesce(string_agg(cols, ' | ' ORDER BY cols), '') FROM (
                    SELECT (CASE WHEN i.indisprimary THEN 'pk ' ELSE '' END)
                        || string_agg(a.attname, ',' ORDER BY k.ord) AS cols
                    FROM pg_index i
                    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                    WHERE i.indrelid = '\(table)'::regclass GROUP BY i.indexrelid, i.indisprimary) keys
                """)
        }
        let expected = [
            "customer_segments": "pk customer_id,run_id | segment_id",
            "customer_features": "pk customer_id,run_id",
            "customer_id_map": "customer_id | pk source_customer_id,run_id",
            "rejects": "",
        ]
        for table in LoadSchema.largeTables {
            #expect(try indexes("\(s).\(table)") == expected[table], "\(table)")
            // Every partition of every run has the same indexes as its parent.
            for run in ["r1", "r2"] where table != "rejects" || run == "r1" {  // rejects only in r1
                let partition = "\(s).\(PostgresIdentifier.quote(LoadSchema.partitionName(of: table, run: run)))"
                #expect(try indexes(partition) == expected[table], "\(table) \(run)")
            }
        }
        // Rows are kept, the key still holds, and a customer's rows across runs are found through it.
        #expect(try value("SELECT count(*) FROM \(s).customer_segments") == "3")
        #expect(try value("SELECT count(*) FROM \(s).rejects") == "1")
        let duplicate = #expect(throws: PostgresError.self) {
            try connection.execute(
                "INSERT INTO \(s).customer_segments (run_id, customer_id, segment_id, segment_label, distance, "
                    + "rfm_segment) VALUES ('r1', 'C1', 3, 'X', 0, 'X')")
        }
        #expect(duplicate?.sqlState == "23505")
        try connection.execute("SET enable_seqscan = off")
        let plan = try connection.execute("EXPLAIN SELECT * FROM \(s).customer_segments WHERE customer_id = 'C1'")
        let planText = (0..<plan.rowCount).compactMap { plan.string(row: $0, column: 0) }.joined(separator: "\n")
        #expect(planText.contains("_pkey"), "\(planText)")
        try connection.execute("RESET enable_seqscan")
    }

    /// Version 12: the `current_*` views show the latest run's rows (as before) and a query on them reads only that
    /// run's partition.
    @Test func currentViewsReadOnlyTheCurrentRunsPartition() throws {
        let schema = try twoRuns(prefix: "currentviews", second: "r2", through: 11)
        defer { schema.drop() }
        let (connection, s) = (schema.connection, schema.quotedName)
        func value(_ sql: String) throws -> String { try Self.value(connection, sql) }
        func columns(_ view: String) throws -> String {
            try value(
                """
                SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
                FROM pg_attribute WHERE attrelid = '\(s).\(view)'::regclass AND attnum > 0
                """)
        }
        let views = LoadSchema.currentRunViews.map(\.0)
        let before = try views.map(columns)
        let migrated = try ResultSchema(name: schema.name, readRole: nil).migrate(connection, logger: logger)
        #expect(migrated == (11, LoadSchema.currentVersion))
        #expect(try views.map(columns) == before)
        #expect(
            try value("SELECT string_agg(customer_id || ':' || segment_label, ',') FROM \(s).current_customer_segments")
                == "C1:New")
        #expect(
            try value("SELECT string_agg(run_id || ':' || customers, ',') FROM \(s).current_segment_kpis") == "r2:1")
        #expect(try value("SELECT obj_description('\(s).current_customer_segments'::regclass, 'pg_class')") != "")
        // Run r1's partition is never scanned.
        let plan = try connection.execute(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM \(s).current_customer_segments")
        let lines = (0..<plan.rowCount).compactMap { plan.string(row: $0, column: 0) }
        let r1 = LoadSchema.partitionName(of: "customer_segments", run: "r1")
        let r2 = LoadSchema.partitionName(of: "customer_segments", run: "r2")
        let planText = lines.joined(separator: "\n")
        #expect(lines.contains { $0.contains(r1) && $0.contains("never executed") }, "\(planText)")
        #expect(lines.contains { $0.contains(r2) && !$0.contains("never executed") }, "\(planText)")
        // No published run: the views are empty.
        try connection.execute("UPDATE \(s).runs SET status = 'failed'")
        #expect(try value("SELECT count(*) FROM \(s).current_customer_segments") == "0")
    }

    /// A new schema at version 9 with the rows of two published runs (`r1`, and `second`, the current one), then
    /// migrated through `version`; dropped again if that fails.
    func twoRuns(prefix: String, second: String, through version: Int) throws -> TestSchema {
        let schema = try TestSchema(prefix: prefix)
        do {
            let result = ResultSchema(name: schema.name, readRole: nil)
            try result.migrate(schema.connection, through: 9, logger: logger)
            try Self.insertTwoRuns(schema.connection, schema: schema.quotedName, second: second)
            if version > 9 { try result.migrate(schema.connection, through: version, logger: logger) }
            return schema
        } catch {
            schema.drop()
            throw error
        }
    }

    /// The first column of the first row of `sql`'s result, as text ("" for null).
    static func value(_ connection: PostgresConnection, _ sql: String) throws -> String {
        try connection.execute(sql).string(row: 0, column: 0) ?? ""
    }

    /// Rows of two published runs (`r1`, and `second`, the current one) in every per-customer table of a version-9
    /// schema.
    static func insertTwoRuns(_ connection: PostgresConnection, schema s: String, second: String) throws {
        try connection.executeScript(
            """
            INSERT INTO \(s).runs (run_id, pipeline, status, as_of, published_at, config_digest, tool_version)
            VALUES ('r1', 'shop', 'published', '2026-10-01', now() - interval '1 day', 'd', 'v'),
                   ('\(second)', 'shop', 'published', '2026-11-01', now(), 'd', 'v');
            INSERT INTO \(s).customer_segments (run_id, customer_id, segment_id, segment_label, distance, rfm_segment)
            VALUES ('r1', 'C1', 1, 'Loyal', 0.5, 'Champions'), ('r1', 'C2', 2, 'New', 0.25, 'New Customers'),
                   ('\(second)', 'C1', 2, 'New', 0.75, 'At Risk');
            INSERT INTO \(s).customer_features (run_id, customer_id, frequency, monetary_total, unsubscribed)
            VALUES ('r1', 'C1', 3, 30, false), ('r1', 'C2', 1, 10, false), ('\(second)', 'C1', 4, 40, true);
            INSERT INTO \(s).customer_id_map (run_id, source_customer_id, customer_id, rule, score)
            VALUES ('r1', 'C1', 'C1', 'identity', 1), ('r1', 'C9', 'C1', 'email', 1),
                   ('\(second)', 'C1', 'C1', 'identity', 1);
            INSERT INTO \(s).rejects (run_id, stage, source_table, file, line, field, reason, raw)
            VALUES ('r1', 'extract', 'orders', 'o.csv', 7, 'amount', 'bad', 'x');
            """)
    }
}
