import Foundation

/// The result schema in PostgreSQL, created and upgraded by numbered migrations.
///
/// Each migration runs once, in a transaction, and is recorded in `schema_migrations`. The schema name comes
/// from the pipeline file and is always quoted.
enum LoadSchema {
    /// One migration step.
    struct Migration: Sendable {
        let version: Int
        let description: String
        let sql: @Sendable (_ schema: String) -> String
    }

    /// All migrations in order; append new ones, never edit released ones.
    static let migrations: [Migration] = [
        Migration(version: 1, description: "runs, segments, customer tables, rejects, views", sql: version1),
        Migration(version: 2, description: "segment profiles and k selection", sql: version2),
        Migration(version: 3, description: "segment KPI views", sql: version3),
        Migration(version: 4, description: "rule segments", sql: version4),
        Migration(version: 5, description: "purchase, engagement, demographic and CLV features", sql: version5),
        Migration(version: 6, description: "CLV in segment KPIs, comments on every view column", sql: version6),
        Migration(version: 7, description: "pseudonymised contact data", sql: version7),
        Migration(version: 8, description: "per-customer tables without a foreign key, for load speed", sql: version8),
        Migration(version: 9, description: "segment attribute shares", sql: version9),
        Migration(version: 10, description: "per-customer tables partitioned by run", sql: version10),
        Migration(version: 11, description: "per-customer keys lead with the customer, not the run", sql: version11),
        Migration(version: 12, description: "current_* views read only the current run's partition", sql: version12),
    ]

    /// The per-customer tables (a million rows and more per run). Since version 10 each is partitioned by run
    /// (`PARTITION BY LIST (run_id)`, one partition per run, named by ``partitionName(of:run:)``): the loader fills a
    /// run's partition without indexes and attaches it, so PostgreSQL builds its indexes in one sort instead of
    /// inserting every row into indexes that hold every kept run; pruning or reloading a run drops its partition.
    /// No foreign key to `runs` (version 8).
    static let largeTables = ["customer_segments", "customer_features", "customer_id_map", "rejects"]

    /// The indexes of each per-customer table since version 11: the primary key's columns (nil: none) and the other
    /// indexes. Keys lead with the customer, not the run: every row of a partition has the same `run_id`, so a
    /// leading `run_id` made every comparison of an index build (and of a lookup) first step over the same text
    /// (and `(run_id, segment_id)` sorted a million rows on five values behind it); a customer's rows across runs
    /// are found through the primary key itself, so no separate `customer_id` index is needed.
    ///
    /// The loader builds these on every run's partition. A later migration that changes them must also update this
    /// list; version 11 itself uses its frozen copy, ``version11Indexes``.
    static let largeTableIndexes: [String: (primaryKey: String?, indexes: [(name: String, columns: String)])] = [
        "customer_segments": ("customer_id, run_id", [("customer_segments_segment_idx", "segment_id")]),
        "customer_features": ("customer_id, run_id", []),
        "customer_id_map": ("source_customer_id, run_id", [("customer_id_map_customer_idx", "customer_id")]),
        "rejects": (nil, []),
    ]

    /// The indexes as version 11 created them, frozen so that the released migration never changes when
    /// ``largeTableIndexes`` does.
    static let version11Indexes: [String: (primaryKey: String?, indexes: [(name: String, columns: String)])] = [
        "customer_segments": ("customer_id, run_id", [("customer_segments_segment_idx", "segment_id")]),
        "customer_features": ("customer_id, run_id", []),
        "customer_id_map": ("source_customer_id, run_id", [("customer_id_map_customer_idx", "customer_id")]),
        "rejects": (nil, []),
    ]

    /// The indexes as versions 1 to 10 created them; version 10 re-created them by these names on the partitioned
    /// tables, and version 11 drops them.
    static let version10Indexes: [String: (primaryKey: String?, indexes: [(name: String, columns: String)])] = [
        "customer_segments": (
            "run_id, customer_id",
            [("customer_segments_customer_idx", "customer_id"), ("customer_segments_segment_idx", "run_id, segment_id")]
        ),
        "customer_features": ("run_id, customer_id", [("customer_features_customer_idx", "customer_id")]),
        "customer_id_map": ("run_id, source_customer_id", [("customer_id_map_customer_idx", "run_id, customer_id")]),
        "rejects": (nil, [("rejects_run_idx", "run_id, stage")]),
    ]

    /// The name of the partition of per-customer table `table` that holds run `runID`: the table name and the
    /// first 20 hex digits of the run id's SHA-256 (run ids can be longer than PostgreSQL's 63-byte names). The
    /// SQL of version 10 computes the same name.
    static func partitionName(of table: String, run runID: String) -> String {
        "\(table)_" + Digest.sha256(runID).prefix(20)
    }

    /// The comment of a run's partition.
    static func partitionComment(of table: String, run runID: String) -> String {
        "Rows of \(table) for run \(runID) (a partition of \(table); query \(table) itself)."
    }

    /// The columns of each per-run table (besides `run_id`) that a load fills from the checkpoints.
    static let columns: [String: [String]] = [
        "segments": [
            "method", "segment_id", "label", "size", "share", "revenue_share", "mean_recency_days", "mean_frequency",
            "mean_monetary_total", "mean_avg_order_value", "mean_tenure_days", "mean_return_rate",
            "mean_email_open_rate", "mean_email_click_rate",
        ],
        "customer_segments": [
            "customer_id", "segment_id", "segment_label", "distance", "rfm_score", "r_score", "f_score", "m_score",
            "rfm_segment", "rule_segment",
        ],
        "customer_features": [
            "customer_id", "recency_days", "frequency", "monetary_total", "avg_order_value", "tenure_days",
            "return_rate", "email_open_rate", "email_click_rate", "unsubscribed", "first_order_date",
            "last_order_date", "country", "city", "postal_code", "acquisition_channel", "purchase_days",
            "mean_days_between_purchases", "category_count", "top_category", "days_since_last_open", "age",
            "age_band", "postal_area", "clv_historical_12m", "predicted_clv_12m", "expected_purchases_12m",
            "probability_alive", "email_hash", "phone_hash",
        ],
        "customer_id_map": ["source_customer_id", "customer_id", "rule", "score"],
        "rejects": ["stage", "source_table", "file", "line", "field", "reason", "raw"],
        "segment_profiles": ["segment_id", "feature", "mean", "population_mean", "population_std", "z_score"],
        "k_selection": ["k", "silhouette", "calinski_harabasz", "davies_bouldin", "inertia", "chosen"],
        "segment_attribute_shares": ["segment_id", "attribute", "value", "share"],
    ]

    /// The latest schema version.
    static var currentVersion: Int { migrations.last?.version ?? 0 }

    // MARK: - Version 12

    /// The `current_*` views over the run-partitioned tables and the per-run KPI views, each with the
    /// relation it reads from (`segments` and `segment_attribute_shares` are small tables, changed alike).
    static let currentRunViews = [
        ("current_segments", "segments"),
        ("current_customer_segments", "customer_segments"),
        ("current_segment_attribute_shares", "segment_attribute_shares"),
        ("current_segment_kpis", "segment_kpis"),
        ("current_rfm_segment_kpis", "rfm_segment_kpis"),
        ("current_rule_segment_kpis", "rule_segment_kpis"),
    ]

    /// Re-defines the `current_*` views to compare `run_id` with the current run's id (a scalar subquery) instead
    /// of joining `current_run`: the join was planned as a hash join over every kept run's partition, so a query
    /// on the latest run read all of them; with the comparison PostgreSQL skips the other partitions when the
    /// query runs (and pushes it into the KPI views' grouping). Same columns, same comments; at seven kept 1M runs
    /// `count(*)` of `current_customer_segments` went from 0.57 to 0.11 s and of `current_segment_kpis` from 6.5 to
    /// 1.5 s.
    private static func version12(_ s: String) -> String {
        currentRunViews.map { view, source in
            """
            CREATE OR REPLACE VIEW \(s).\(view) AS
                SELECT v.* FROM \(s).\(source) v WHERE v.run_id = (SELECT run_id FROM \(s).current_run);

            """
        }.joined()
    }

    // MARK: - Version 11

    /// Re-creates the per-customer tables' keys and indexes as ``version11Indexes`` lists them (customer first; the
    /// separate `customer_id` indexes, and the rejects' `(run_id, stage)` index, dropped). Every partition's indexes
    /// are rebuilt, about a second per million-row run and table, inside the migration's transaction.
    private static func version11(_ s: String) -> String {
        largeTables.map { table in
            let (oldKey, oldIndexes) = version10Indexes[table] ?? (nil, [])
            let (primaryKey, indexes) = version11Indexes[table] ?? (nil, [])
            var sql = ""
            if oldKey != nil { sql += "ALTER TABLE \(s).\(table) DROP CONSTRAINT IF EXISTS \(table)_pkey;\n" }
            for index in oldIndexes { sql += "DROP INDEX IF EXISTS \(s).\(index.name);\n" }
            if let primaryKey { sql += "ALTER TABLE \(s).\(table) ADD PRIMARY KEY (\(primaryKey));\n" }
            for index in indexes { sql += "CREATE INDEX \(index.name) ON \(s).\(table) (\(index.columns));\n" }
            return sql
        }.joined()
    }

    // MARK: - Version 10

    /// Turns each per-customer table into one partitioned by run: the old table is renamed, an empty partitioned
    /// table with the same columns, comments and indexes takes its name, every run's rows are copied into a
    /// partition of their own (indexes built after the copy), the views over the old table are re-created over the
    /// new one (same definition, so their comments and grants stay), and the old table is dropped.
    private static func version10(_ s: String) -> String {
        let schemaLiteral = "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        return largeTables.map { table in
            let old = "\(table)_v9"
            let (primaryKey, indexes) = version10Indexes[table] ?? (nil, [])
            let oldLiteral = "'" + "\(s).\(old)".replacingOccurrences(of: "'", with: "''") + "'"
            return """
                ALTER TABLE \(s).\(table) RENAME TO \(old);
                ALTER TABLE \(s).\(old) DROP CONSTRAINT IF EXISTS \(table)_pkey;
                \(indexes.map { "DROP INDEX IF EXISTS \(s).\($0.name);" }.joined(separator: "\n"))
                CREATE TABLE \(s).\(table) (LIKE \(s).\(old) INCLUDING DEFAULTS INCLUDING COMMENTS)
                    PARTITION BY LIST (run_id);
                \(primaryKey.map { "ALTER TABLE \(s).\(table) ADD PRIMARY KEY (\($0));" } ?? "")
                \(indexes.map { "CREATE INDEX \($0.name) ON \(s).\(table) (\($0.columns));" }.joined(separator: "\n"))
                DO $migration$
                DECLARE
                    run text;
                    part text;
                    dependent oid;
                BEGIN
                    EXECUTE format('COMMENT ON TABLE %s.\(table) IS %L', \(schemaLiteral),
                        obj_description(\(oldLiteral)::regclass, 'pg_class') || ' Partitioned by run.');
                    FOR run IN SELECT DISTINCT run_id FROM \(s).\(old) LOOP
                        part := '\(table)_' || left(encode(sha256(convert_to(run, 'UTF8')), 'hex'), 20);
                        EXECUTE format('CREATE TABLE %s.%I (LIKE %s.\(table) INCLUDING DEFAULTS INCLUDING COMMENTS)',
                            \(schemaLiteral), part, \(schemaLiteral));
                        EXECUTE format('INSERT INTO %s.%I SELECT * FROM %s.\(old) WHERE run_id = %L',
                            \(schemaLiteral), part, \(schemaLiteral), run);
                        EXECUTE format('ALTER TABLE %s.\(table) ATTACH PARTITION %s.%I FOR VALUES IN (%L)',
                            \(schemaLiteral), \(schemaLiteral), part, run);
                        EXECUTE format('COMMENT ON TABLE %s.%I IS %L', \(schemaLiteral), part,
                            'Rows of \(table) for run ' || run || ' (a partition of \(table); query \(table) itself).');
                    END LOOP;
                    FOR dependent IN
                        SELECT DISTINCT r.ev_class FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
                        WHERE d.refobjid = \(oldLiteral)::regclass AND r.ev_class <> d.refobjid
                    LOOP
                        EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', dependent::regclass,
                            replace(rtrim(pg_get_viewdef(dependent), ';'), '\(old)', '\(table)'));
                    END LOOP;
                END
                $migration$;
                DROP TABLE \(s).\(old);
                """
        }.joined(separator: "\n")
    }

    // MARK: - Version 9

    private static func version9(_ s: String) -> String {
        """
        CREATE TABLE \(s).segment_attribute_shares (
            run_id text NOT NULL REFERENCES \(s).runs (run_id) ON DELETE CASCADE,
            segment_id bigint NOT NULL,
            attribute text NOT NULL,
            value text NOT NULL,
            share double precision NOT NULL
        );
        CREATE INDEX segment_attribute_shares_run_idx ON \(s).segment_attribute_shares (run_id, segment_id, attribute);
        COMMENT ON TABLE \(s).segment_attribute_shares IS 'Per cluster segment and descriptive attribute (country, region, postal area, acquisition channel, age band): the share of the segment''s customers with each value. Values beyond the most frequent ones are counted together as other, missing ones as unknown.';
        COMMENT ON COLUMN \(s).segment_attribute_shares.run_id IS 'Run that produced the row.';
        COMMENT ON COLUMN \(s).segment_attribute_shares.segment_id IS 'Cluster segment, see segments.segment_id.';
        COMMENT ON COLUMN \(s).segment_attribute_shares.attribute IS 'Descriptive attribute, a column of customer_features (country, city, postal_area, acquisition_channel, age_band, ...).';
        COMMENT ON COLUMN \(s).segment_attribute_shares.value IS 'Value of the attribute; other for the values beyond the most frequent ones (features.max_categories), unknown for a missing value.';
        COMMENT ON COLUMN \(s).segment_attribute_shares.share IS 'Share of the segment''s customers with this value (0 to 1; the values of one attribute sum to 1).';

        CREATE VIEW \(s).current_segment_attribute_shares AS
            SELECT a.* FROM \(s).segment_attribute_shares a JOIN \(s).current_run r USING (run_id);
        COMMENT ON VIEW \(s).current_segment_attribute_shares IS 'segment_attribute_shares of the latest published run.';
        COMMENT ON COLUMN \(s).current_segment_attribute_shares.run_id IS 'The latest published run.';
        COMMENT ON COLUMN \(s).current_segment_attribute_shares.segment_id IS 'Cluster segment, see segments.segment_id.';
        COMMENT ON COLUMN \(s).current_segment_attribute_shares.attribute IS 'Descriptive attribute, a column of customer_features.';
        COMMENT ON COLUMN \(s).current_segment_attribute_shares.value IS 'Value of the attribute; other for the values beyond the most frequent ones.';
        COMMENT ON COLUMN \(s).current_segment_attribute_shares.share IS 'Share of the segment''s customers with this value.';
        """
    }

    // MARK: - Version 8

    /// A foreign key makes PostgreSQL check every copied row against `runs` (about half of a million-row COPY);
    /// the load inserts the run first in the same transaction, so the check adds nothing but time.
    private static func version8(_ s: String) -> String {
        largeTables.map { table in
            """
            ALTER TABLE \(s).\(table) DROP CONSTRAINT IF EXISTS \(table)_run_id_fkey;
            COMMENT ON COLUMN \(s).\(table).run_id IS 'The run (segpipe.runs.run_id); kept consistent by the loader, which also deletes these rows when it prunes or reloads a run.';
            """
        }.joined(separator: "\n")
    }

    // MARK: - Version 7

    private static func version7(_ s: String) -> String {
        """
        ALTER TABLE \(s).customer_features ADD COLUMN email_hash text, ADD COLUMN phone_hash text;
        COMMENT ON COLUMN \(s).customer_features.email_hash IS 'HMAC-SHA256 of the normalised email (key kept outside the database); null unless load.pseudonymize_contacts is on.';
        COMMENT ON COLUMN \(s).customer_features.phone_hash IS 'HMAC-SHA256 of the E.164 phone number (key kept outside the database); null unless load.pseudonymize_contacts is on.';
        """
    }

    // MARK: - Version 6

    /// The KPI view of version 3 with mean historical and predicted CLV added.
    private static func kpiViewWithCLV(_ s: String, name: String, key: String, label: String) -> String {
        kpiView(s, name: name, key: key, label: label)
            .replacingOccurrences(of: "CREATE VIEW", with: "CREATE OR REPLACE VIEW")
            .replacingOccurrences(
                of: "mode() WITHIN GROUP (ORDER BY cf.acquisition_channel) AS top_channel",
                with: "mode() WITHIN GROUP (ORDER BY cf.acquisition_channel) AS top_channel,\n"
                    + "               avg(cf.clv_historical_12m) AS mean_clv_historical_12m,\n"
                    + "               avg(cf.predicted_clv_12m) AS mean_predicted_clv_12m")
    }

    /// Comments of the computed KPI columns.
    static let kpiColumnComments: [String: String] = [
        "customers": "Number of customers in the segment.",
        "customer_share": "Share of all customers of the run (0..1).",
        "revenue_share": "Share of all completed-order revenue of the run (0..1).",
        "mean_revenue": "Mean revenue (monetary_total) per customer.",
        "mean_order_value": "Mean average order value of customers with orders.",
        "repeat_purchase_rate": "Share of customers with two or more completed orders.",
        "churn_risk_share": "Share of customers without an order for more than 180 days (or without orders).",
        "top_country": "Most frequent country.",
        "top_channel": "Most frequent acquisition channel.",
        "mean_clv_historical_12m": "Mean revenue of the last 12 months per customer.",
        "mean_predicted_clv_12m": "Mean predicted 12-month CLV (BG/NBD × Gamma-Gamma) of customers with orders.",
        "scored_customers": "Customers with an RFM score (at least one completed order).",
        "buyers": "Customers with at least one completed order.",
        "from_segment": "Cluster segment label in the previous published run.",
        "to_segment": "Cluster segment label in the latest published run.",
        "from_rfm_segment": "RFM segment in the previous published run.",
        "to_rfm_segment": "RFM segment in the latest published run.",
    ]

    private static func version6(_ s: String) -> String {
        let views =
            kpiViewWithCLV(s, name: "segment_kpis", key: "segment_id", label: "min(cs.segment_label) AS segment_label")
            + kpiViewWithCLV(
                s, name: "rfm_segment_kpis", key: "rfm_segment", label: "count(cs.rfm_score) AS scored_customers")
            + kpiViewWithCLV(
                s, name: "rule_segment_kpis", key: "rule_segment",
                label: "count(*) FILTER (WHERE cs.rfm_score IS NOT NULL) AS buyers")
                + """
                CREATE OR REPLACE VIEW \(s).current_segment_kpis AS
                    SELECT k.* FROM \(s).segment_kpis k JOIN \(s).current_run r USING (run_id);
                CREATE OR REPLACE VIEW \(s).current_rfm_segment_kpis AS
                    SELECT k.* FROM \(s).rfm_segment_kpis k JOIN \(s).current_run r USING (run_id);
                CREATE OR REPLACE VIEW \(s).current_rule_segment_kpis AS
                    SELECT k.* FROM \(s).rule_segment_kpis k JOIN \(s).current_run r USING (run_id);

                """
        let schemaLiteral = "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        let computed = kpiColumnComments.sorted { $0.key < $1.key }.map { key, value in
            "('\(key)', '\(value.replacingOccurrences(of: "'", with: "''"))')"
        }.joined(separator: ", ")
        // Every view column takes the comment of the table column it shows, or of the computed column it is.
        return views + """
            DO $comments$
            DECLARE
                target record;
                source_comment text;
            BEGIN
                FOR target IN
                    SELECT c.relname AS view_name, a.attname AS column_name
                    FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    WHERE n.nspname = btrim(\(schemaLiteral), '"') AND c.relkind = 'v'
                LOOP
                    SELECT d.description INTO source_comment
                    FROM pg_class t
                    JOIN pg_namespace tn ON tn.oid = t.relnamespace
                    JOIN pg_attribute ta ON ta.attrelid = t.oid AND ta.attname = target.column_name
                    JOIN pg_description d ON d.objoid = t.oid AND d.objsubid = ta.attnum
                    WHERE tn.nspname = btrim(\(schemaLiteral), '"') AND t.relkind = 'r'
                    ORDER BY t.relname = 'runs' DESC, t.relname
                    LIMIT 1;
                    IF source_comment IS NULL THEN
                        SELECT v.comment INTO source_comment FROM (VALUES \(computed)) AS v(name, comment)
                        WHERE v.name = target.column_name;
                    END IF;
                    IF source_comment IS NOT NULL THEN
                        EXECUTE format('COMMENT ON COLUMN %s.%I.%I IS %L', \(schemaLiteral), target.view_name,
                            target.column_name, source_comment);
                    END IF;
                END LOOP;
            END
            $comments$;
            """
    }

    // MARK: - Version 5

    private static func version5(_ s: String) -> String {
        let columns: [(String, String)] = [
            ("purchase_days", "bigint"), ("mean_days_between_purchases", "double precision"),
            ("category_count", "bigint"), ("top_category", "text"), ("days_since_last_open", "bigint"),
            ("age", "bigint"), ("age_band", "text"), ("postal_area", "text"),
            ("clv_historical_12m", "double precision"),
            ("predicted_clv_12m", "double precision"), ("expected_purchases_12m", "double precision"),
            ("probability_alive", "double precision"),
        ]
        return columns.map { name, type in
            let comment = (FeatureCatalog.definitions[name] ?? name).replacingOccurrences(of: "'", with: "''")
            return """
                ALTER TABLE \(s).customer_features ADD COLUMN \(name) \(type);
                COMMENT ON COLUMN \(s).customer_features.\(name) IS '\(comment)';
                """
        }.joined(separator: "\n")
    }

    // MARK: - Version 4

    private static func version4(_ s: String) -> String {
        """
        ALTER TABLE \(s).customer_segments ADD COLUMN rule_segment text;
        COMMENT ON COLUMN \(s).customer_segments.rule_segment IS 'Business-rule segment: the first rule of the pipeline that matches, else the default; null when the pipeline has no rules.';
        CREATE OR REPLACE VIEW \(s).current_customer_segments AS
            SELECT cs.* FROM \(s).customer_segments cs JOIN \(s).current_run r USING (run_id);
        """
            + kpiView(
                s, name: "rule_segment_kpis", key: "rule_segment",
                label: "count(*) FILTER (WHERE cs.rfm_score IS NOT NULL) AS buyers")
                + """
                CREATE VIEW \(s).current_rule_segment_kpis AS
                    SELECT k.* FROM \(s).rule_segment_kpis k JOIN \(s).current_run r USING (run_id);
                COMMENT ON VIEW \(s).rule_segment_kpis IS 'Per run and business-rule segment: the same KPIs as segment_kpis.';
                COMMENT ON VIEW \(s).current_rule_segment_kpis IS 'rule_segment_kpis of the latest published run.';
                """
    }

    // MARK: - Version 3

    private static func kpiView(_ s: String, name: String, key: String, label: String) -> String {
        """
        CREATE VIEW \(s).\(name) AS
            SELECT cs.run_id, cs.\(key), \(label),
                   count(*) AS customers,
                   count(*)::float8 / sum(count(*)) OVER (PARTITION BY cs.run_id) AS customer_share,
                   coalesce(sum(cf.monetary_total), 0)
                       / nullif(sum(sum(cf.monetary_total)) OVER (PARTITION BY cs.run_id), 0) AS revenue_share,
                   avg(cf.monetary_total) AS mean_revenue,
                   avg(cf.avg_order_value) AS mean_order_value,
                   avg((cf.frequency >= 2)::int)::float8 AS repeat_purchase_rate,
                   avg((coalesce(cf.recency_days, 2147483647) > 180)::int)::float8 AS churn_risk_share,
                   mode() WITHIN GROUP (ORDER BY cf.country) AS top_country,
                   mode() WITHIN GROUP (ORDER BY cf.acquisition_channel) AS top_channel
            FROM \(s).customer_segments cs
            JOIN \(s).customer_features cf USING (run_id, customer_id)
            GROUP BY cs.run_id, cs.\(key);
        """
    }

    private static func version3(_ s: String) -> String {
        kpiView(s, name: "segment_kpis", key: "segment_id", label: "min(cs.segment_label) AS segment_label")
            + kpiView(s, name: "rfm_segment_kpis", key: "rfm_segment", label: "count(cs.rfm_score) AS scored_customers")
                + """
                CREATE VIEW \(s).current_segment_kpis AS
                    SELECT k.* FROM \(s).segment_kpis k JOIN \(s).current_run r USING (run_id);
                CREATE VIEW \(s).current_rfm_segment_kpis AS
                    SELECT k.* FROM \(s).rfm_segment_kpis k JOIN \(s).current_run r USING (run_id);
                COMMENT ON VIEW \(s).segment_kpis IS 'Per run and cluster segment: size, shares, mean revenue and order value, repeat-purchase rate, churn-risk share (no order for over 180 days), top country and channel.';
                COMMENT ON VIEW \(s).rfm_segment_kpis IS 'Per run and named RFM segment: the same KPIs as segment_kpis.';
                COMMENT ON VIEW \(s).current_segment_kpis IS 'segment_kpis of the latest published run.';
                COMMENT ON VIEW \(s).current_rfm_segment_kpis IS 'rfm_segment_kpis of the latest published run.';
                """
    }

    // MARK: - Version 2

    private static func version2(_ s: String) -> String {
        """
        CREATE TABLE \(s).segment_profiles (
            run_id text NOT NULL REFERENCES \(s).runs (run_id) ON DELETE CASCADE,
            segment_id bigint NOT NULL,
            feature text NOT NULL,
            mean double precision,
            population_mean double precision NOT NULL,
            population_std double precision NOT NULL,
            z_score double precision,
            PRIMARY KEY (run_id, segment_id, feature)
        );
        COMMENT ON TABLE \(s).segment_profiles IS 'Per segment and feature: the segment mean against the whole population.';
        COMMENT ON COLUMN \(s).segment_profiles.run_id IS 'Run that produced the row.';
        COMMENT ON COLUMN \(s).segment_profiles.segment_id IS 'Segment, see segments.segment_id.';
        COMMENT ON COLUMN \(s).segment_profiles.feature IS 'Feature name, a column of customer_features.';
        COMMENT ON COLUMN \(s).segment_profiles.mean IS 'Mean of the feature in the segment (customers with a value), original units.';
        COMMENT ON COLUMN \(s).segment_profiles.population_mean IS 'Mean of the feature over all customers with a value.';
        COMMENT ON COLUMN \(s).segment_profiles.population_std IS 'Standard deviation of the feature over all customers with a value.';
        COMMENT ON COLUMN \(s).segment_profiles.z_score IS '(mean - population_mean) / population_std.';

        CREATE TABLE \(s).k_selection (
            run_id text NOT NULL REFERENCES \(s).runs (run_id) ON DELETE CASCADE,
            k bigint NOT NULL,
            silhouette double precision NOT NULL,
            calinski_harabasz double precision NOT NULL,
            davies_bouldin double precision NOT NULL,
            inertia double precision NOT NULL,
            chosen boolean NOT NULL,
            PRIMARY KEY (run_id, k)
        );
        COMMENT ON TABLE \(s).k_selection IS 'Model-selection scores per k of runs with k: auto.';
        COMMENT ON COLUMN \(s).k_selection.run_id IS 'Run that produced the row.';
        COMMENT ON COLUMN \(s).k_selection.k IS 'Number of segments tried.';
        COMMENT ON COLUMN \(s).k_selection.silhouette IS 'Mean silhouette (sampled above 10000 customers); higher is better.';
        COMMENT ON COLUMN \(s).k_selection.calinski_harabasz IS 'Calinski-Harabasz index; higher is better.';
        COMMENT ON COLUMN \(s).k_selection.davies_bouldin IS 'Davies-Bouldin index; lower is better.';
        COMMENT ON COLUMN \(s).k_selection.inertia IS 'Within-segment sum of squared distances (elbow curve).';
        COMMENT ON COLUMN \(s).k_selection.chosen IS 'Whether this k was chosen (highest silhouette).';
        """
    }

    // MARK: - Version 1

    private static func version1(_ s: String) -> String {
        """
        CREATE TABLE \(s).runs (
            run_id text PRIMARY KEY,
            pipeline text NOT NULL,
            status text NOT NULL CHECK (status IN ('loading', 'published', 'failed')),
            as_of date NOT NULL,
            started_at timestamptz,
            finished_at timestamptz,
            published_at timestamptz,
            config_digest text NOT NULL,
            tool_version text NOT NULL,
            stats jsonb NOT NULL DEFAULT '{}'::jsonb
        );
        COMMENT ON TABLE \(s).runs IS 'One row per pipeline run that reached the load stage. Only runs with status published are visible in the current_* views.';
        COMMENT ON COLUMN \(s).runs.run_id IS 'Run identifier, also the checkpoint folder name.';
        COMMENT ON COLUMN \(s).runs.pipeline IS 'Name of the pipeline definition that produced the run.';
        COMMENT ON COLUMN \(s).runs.status IS 'loading while rows are written, published once visible, failed if the load failed.';
        COMMENT ON COLUMN \(s).runs.as_of IS 'Observation date that recency and tenure are measured to.';
        COMMENT ON COLUMN \(s).runs.started_at IS 'When the run''s first stage started.';
        COMMENT ON COLUMN \(s).runs.finished_at IS 'When the load finished.';
        COMMENT ON COLUMN \(s).runs.published_at IS 'When the run''s rows became visible.';
        COMMENT ON COLUMN \(s).runs.config_digest IS 'SHA-256 over the stage configuration digests (no secrets).';
        COMMENT ON COLUMN \(s).runs.tool_version IS 'segpipe version that produced the run.';
        COMMENT ON COLUMN \(s).runs.stats IS 'Per-stage metrics: rows in and out, rejects by reason, duplicates merged, k, inertia, timings.';

        CREATE TABLE \(s).segments (
            run_id text NOT NULL REFERENCES \(s).runs (run_id) ON DELETE CASCADE,
            method text NOT NULL,
            segment_id bigint NOT NULL,
            label text NOT NULL,
            size bigint NOT NULL,
            share double precision NOT NULL,
            revenue_share double precision NOT NULL,
            mean_recency_days double precision,
            mean_frequency double precision,
            mean_monetary_total double precision,
            mean_avg_order_value double precision,
            mean_tenure_days double precision,
            mean_return_rate double precision,
            mean_email_open_rate double precision,
            mean_email_click_rate double precision,
            PRIMARY KEY (run_id, method, segment_id)
        );
        COMMENT ON TABLE \(s).segments IS 'One row per segment of a run: size, shares and profile means.';
        COMMENT ON COLUMN \(s).segments.run_id IS 'Run that produced the segment.';
        COMMENT ON COLUMN \(s).segments.method IS 'Segmentation method, e.g. kmeans.';
        COMMENT ON COLUMN \(s).segments.segment_id IS 'Segment number 1..k, ordered by descending mean monetary_total.';
        COMMENT ON COLUMN \(s).segments.label IS 'Readable label generated from the segment profile.';
        COMMENT ON COLUMN \(s).segments.size IS 'Number of customers in the segment.';
        COMMENT ON COLUMN \(s).segments.share IS 'Share of all customers (0..1).';
        COMMENT ON COLUMN \(s).segments.revenue_share IS 'Share of all completed-order revenue (0..1).';
        COMMENT ON COLUMN \(s).segments.mean_recency_days IS 'Mean days since the last completed order (customers with orders).';
        COMMENT ON COLUMN \(s).segments.mean_frequency IS 'Mean number of completed orders.';
        COMMENT ON COLUMN \(s).segments.mean_monetary_total IS 'Mean revenue per customer.';
        COMMENT ON COLUMN \(s).segments.mean_avg_order_value IS 'Mean average order value (customers with orders).';
        COMMENT ON COLUMN \(s).segments.mean_tenure_days IS 'Mean days since signup.';
        COMMENT ON COLUMN \(s).segments.mean_return_rate IS 'Mean share of returned orders.';
        COMMENT ON COLUMN \(s).segments.mean_email_open_rate IS 'Mean email open rate (customers with sent emails).';
        COMMENT ON COLUMN \(s).segments.mean_email_click_rate IS 'Mean email click rate (customers with sent emails).';

        CREATE TABLE \(s).customer_segments (
            run_id text NOT NULL REFERENCES \(s).runs (run_id) ON DELETE CASCADE,
            customer_id text NOT NULL,
            segment_id bigint NOT NULL,
            segment_label text NOT NULL,
            distance double precision NOT NULL,
            rfm_score text,
            r_score bigint,
            f_score bigint,
            m_score bigint,
            rfm_segment text NOT NULL,
            PRIMARY KEY (run_id, customer_id)
        );
        CREATE INDEX customer_segments_customer_idx ON \(s).customer_segments (customer_id);
        CREATE INDEX customer_segments_segment_idx ON \(s).customer_segments (run_id, segment_id);
        COMMENT ON TABLE \(s).customer_segments IS 'One row per (merged) customer and run: cluster segment and RFM scores.';
        COMMENT ON COLUMN \(s).customer_segments.run_id IS 'Run that produced the row.';
        COMMENT ON COLUMN \(s).customer_segments.customer_id IS 'Merged customer id (the smallest source id of a duplicate group); join customer_id_map for CRM ids.';
        COMMENT ON COLUMN \(s).customer_segments.segment_id IS 'Cluster segment, see segments.segment_id.';
        COMMENT ON COLUMN \(s).customer_segments.segment_label IS 'Label of the cluster segment.';
        COMMENT ON COLUMN \(s).customer_segments.distance IS 'Euclidean distance to the segment centre in scaled feature space.';
        COMMENT ON COLUMN \(s).customer_segments.rfm_score IS 'RFM score string such as 545 (R, F, M quintile scores); null without completed orders.';
        COMMENT ON COLUMN \(s).customer_segments.r_score IS 'Recency quintile score 1..5 (5 = most recent).';
        COMMENT ON COLUMN \(s).customer_segments.f_score IS 'Frequency quintile score 1..5 (5 = most orders).';
        COMMENT ON COLUMN \(s).customer_segments.m_score IS 'Monetary quintile score 1..5 (5 = most revenue).';
        COMMENT ON COLUMN \(s).customer_segments.rfm_segment IS 'Named RFM segment (Champions, At Risk, ...), or No Orders.';

        CREATE TABLE \(s).customer_features (
            run_id text NOT NULL REFERENCES \(s).runs (run_id) ON DELETE CASCADE,
            customer_id text NOT NULL,
            recency_days bigint,
            frequency bigint NOT NULL,
            monetary_total double precision NOT NULL,
            avg_order_value double precision,
            tenure_days bigint,
            return_rate double precision,
            email_open_rate double precision,
            email_click_rate double precision,
            unsubscribed boolean NOT NULL,
            first_order_date date,
            last_order_date date,
            country text,
            city text,
            postal_code text,
            acquisition_channel text,
            PRIMARY KEY (run_id, customer_id)
        );
        CREATE INDEX customer_features_customer_idx ON \(s).customer_features (customer_id);
        COMMENT ON TABLE \(s).customer_features IS 'Per-customer features at the run''s as_of date.';
        COMMENT ON COLUMN \(s).customer_features.run_id IS 'Run that produced the row.';
        COMMENT ON COLUMN \(s).customer_features.customer_id IS 'Merged customer id.';
        COMMENT ON COLUMN \(s).customer_features.recency_days IS 'Days from the last completed order to as_of; null without completed orders.';
        COMMENT ON COLUMN \(s).customer_features.frequency IS 'Number of completed orders.';
        COMMENT ON COLUMN \(s).customer_features.monetary_total IS 'Sum of completed order amounts in the reporting currency.';
        COMMENT ON COLUMN \(s).customer_features.avg_order_value IS 'monetary_total / frequency; null without completed orders.';
        COMMENT ON COLUMN \(s).customer_features.tenure_days IS 'Days from signup (or the first order when signup is unknown) to as_of.';
        COMMENT ON COLUMN \(s).customer_features.return_rate IS 'Returned / (completed + returned) orders.';
        COMMENT ON COLUMN \(s).customer_features.email_open_rate IS 'Open events / sent events.';
        COMMENT ON COLUMN \(s).customer_features.email_click_rate IS 'Click events / sent events.';
        COMMENT ON COLUMN \(s).customer_features.unsubscribed IS 'Whether the customer has an unsubscribe event.';
        COMMENT ON COLUMN \(s).customer_features.first_order_date IS 'Date of the first completed order.';
        COMMENT ON COLUMN \(s).customer_features.last_order_date IS 'Date of the last completed order.';
        COMMENT ON COLUMN \(s).customer_features.country IS 'ISO 3166-1 alpha-2 country code where recognised.';
        COMMENT ON COLUMN \(s).customer_features.city IS 'City as given in the CRM.';
        COMMENT ON COLUMN \(s).customer_features.postal_code IS 'Postal code as given in the CRM.';
        COMMENT ON COLUMN \(s).customer_features.acquisition_channel IS 'Channel the customer was acquired through.';

        CREATE TABLE \(s).customer_id_map (
            run_id text NOT NULL REFERENCES \(s).runs (run_id) ON DELETE CASCADE,
            source_customer_id text NOT NULL,
            customer_id text NOT NULL,
            rule text NOT NULL,
            score double precision NOT NULL,
            PRIMARY KEY (run_id, source_customer_id)
        );
        CREATE INDEX customer_id_map_customer_idx ON \(s).customer_id_map (run_id, customer_id);
        COMMENT ON TABLE \(s).customer_id_map IS 'Maps every source (CRM) customer id to its merged customer id.';
        COMMENT ON COLUMN \(s).customer_id_map.run_id IS 'Run that produced the row.';
        COMMENT ON COLUMN \(s).customer_id_map.source_customer_id IS 'Customer id as in the source system.';
        COMMENT ON COLUMN \(s).customer_id_map.customer_id IS 'Merged customer id used in all other tables.';
        COMMENT ON COLUMN \(s).customer_id_map.rule IS 'Rule that merged the record (email), or identity when it was not merged.';
        COMMENT ON COLUMN \(s).customer_id_map.score IS 'Match score of the rule (1 for exact rules).';

        CREATE TABLE \(s).rejects (
            run_id text NOT NULL REFERENCES \(s).runs (run_id) ON DELETE CASCADE,
            stage text NOT NULL,
            source_table text NOT NULL,
            file text NOT NULL,
            line bigint NOT NULL,
            field text NOT NULL,
            reason text NOT NULL,
            raw text NOT NULL
        );
        CREATE INDEX rejects_run_idx ON \(s).rejects (run_id, stage);
        COMMENT ON TABLE \(s).rejects IS 'Rows that could not be used, with the reason; nothing is dropped silently.';
        COMMENT ON COLUMN \(s).rejects.run_id IS 'Run that rejected the row.';
        COMMENT ON COLUMN \(s).rejects.stage IS 'Stage that rejected the row: extract or clean.';
        COMMENT ON COLUMN \(s).rejects.source_table IS 'Canonical table of the row: customers, orders or email_events.';
        COMMENT ON COLUMN \(s).rejects.file IS 'Source file (relative to the data folder).';
        COMMENT ON COLUMN \(s).rejects.line IS '1-based line where the record starts in the file.';
        COMMENT ON COLUMN \(s).rejects.field IS 'Field at fault, or empty when the whole row is.';
        COMMENT ON COLUMN \(s).rejects.reason IS 'Why the row was rejected.';
        COMMENT ON COLUMN \(s).rejects.raw IS 'Raw text of the row or value (truncated to 2000 bytes).';

        CREATE VIEW \(s).current_run AS
            SELECT * FROM \(s).runs WHERE status = 'published'
            ORDER BY as_of DESC, published_at DESC LIMIT 1;
        COMMENT ON VIEW \(s).current_run IS 'The latest published run (by as_of, then publication time).';

        CREATE VIEW \(s).current_segments AS
            SELECT s.* FROM \(s).segments s JOIN \(s).current_run r USING (run_id);
        COMMENT ON VIEW \(s).current_segments IS 'Segments of the latest published run.';

        CREATE VIEW \(s).current_customer_segments AS
            SELECT cs.* FROM \(s).customer_segments cs JOIN \(s).current_run r USING (run_id);
        COMMENT ON VIEW \(s).current_customer_segments IS 'Customer segments of the latest published run.';

        CREATE VIEW \(s).segment_transitions AS
            WITH ranked AS (
                SELECT run_id, row_number() OVER (ORDER BY as_of DESC, published_at DESC) AS position
                FROM \(s).runs WHERE status = 'published'
            ),
            cur AS (SELECT run_id FROM ranked WHERE position = 1),
            prev AS (SELECT run_id FROM ranked WHERE position = 2)
            SELECT p.segment_label AS from_segment, c.segment_label AS to_segment,
                   p.rfm_segment AS from_rfm_segment, c.rfm_segment AS to_rfm_segment, count(*) AS customers
            FROM \(s).customer_segments c
            JOIN cur ON c.run_id = cur.run_id
            JOIN \(s).customer_segments p ON p.customer_id = c.customer_id
            JOIN prev ON p.run_id = prev.run_id
            GROUP BY 1, 2, 3, 4;
        COMMENT ON VIEW \(s).segment_transitions IS 'Customers moving between segments from the previous published run to the latest one, with counts.';
        """
    }
}
