public import Logging
public import Postgres

/// The result schema in PostgreSQL: created, upgraded and granted by numbered migrations.
public struct ResultSchema: Sendable {
    /// The schema name, unquoted.
    public let name: String
    /// A role that gets read access (usage on the schema, SELECT on its tables and views), if any.
    public let readRole: String?

    /// Creates a handle on schema `name`.
    public init(name: String, readRole: String? = nil) {
        self.name = name
        self.readRole = readRole
    }

    /// The version a migration brings the schema to.
    public static var currentVersion: Int { LoadSchema.currentVersion }

    /// Connects to `databaseURL` (nil: libpq's defaults and `PG*` variables) and migrates.
    @discardableResult
    public func migrate(databaseURL: String?, logger: Logger) throws(PipelineError) -> (from: Int, to: Int) {
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection(url: databaseURL, logger: logger)
        } catch {
            throw PipelineError(.database, "cannot connect to the database", underlying: error)
        }
        return try migrate(connection, logger: logger)
    }

    /// Applies the migrations the schema lacks, in one transaction, and grants read access.
    ///
    /// Concurrent callers are serialised with an advisory lock. Returns the versions before and after.
    @discardableResult
    public func migrate(_ connection: PostgresConnection, logger: Logger) throws(PipelineError) -> (from: Int, to: Int) {
        try migrate(connection, through: LoadSchema.currentVersion, logger: logger)
    }

    /// Applies the migrations up to `version` that the schema lacks (tests build older schemas with it).
    @discardableResult
    func migrate(_ connection: PostgresConnection, through version: Int, logger: Logger) throws(PipelineError)
        -> (from: Int, to: Int)
    {
        let schema = PostgresIdentifier.quote(name)
        do {
            return try connection.transaction { () throws -> (Int, Int) in
                try connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", [.text("segpipe.migrate." + name)])
                try connection.executeScript(
                    """
                    CREATE SCHEMA IF NOT EXISTS \(schema);
                    CREATE TABLE IF NOT EXISTS \(schema).schema_migrations (
                        version integer PRIMARY KEY,
                        description text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    );
                    COMMENT ON TABLE \(schema).schema_migrations IS 'Schema versions applied by segpipe migrations.';
                    COMMENT ON COLUMN \(schema).schema_migrations.version IS 'Migration number; the schema is at the highest.';
                    COMMENT ON COLUMN \(schema).schema_migrations.description IS 'What the migration changed.';
                    COMMENT ON COLUMN \(schema).schema_migrations.applied_at IS 'When the migration was applied.';
                    """)
                let applied = try connection.execute("SELECT coalesce(max(version), 0) FROM \(schema).schema_migrations")
                let current = Int(try applied.decode(Int64.self, row: 0, column: 0))
                if current > LoadSchema.currentVersion {
                    throw PipelineError(
                        .database,
                        "schema \(schema) is at version \(current), newer than this segpipe knows "
                            + "(\(LoadSchema.currentVersion)); upgrade segpipe")
                }
                for migration in LoadSchema.migrations where migration.version > current && migration.version <= version {
                    try connection.executeScript(migration.sql(schema))
                    try connection.execute(
                        "INSERT INTO \(schema).schema_migrations (version, description) VALUES ($1, $2)",
                        [.int64(Int64(migration.version)), .text(migration.description)])
                    logger.info("schema migrated", metadata: ["schema": "\(name)", "version": "\(migration.version)"])
                }
                if let readRole {
                    let exists = try connection.execute("SELECT 1 FROM pg_roles WHERE rolname = $1", [.text(readRole)])
                    guard exists.rowCount == 1 else {
                        throw PipelineError(
                            .configuration, "load.read_role \"\(readRole)\" does not exist; create it or remove the key")
                    }
                    let role = PostgresIdentifier.quote(readRole)
                    try connection.executeScript(
                        """
                        GRANT USAGE ON SCHEMA \(schema) TO \(role);
                        GRANT SELECT ON ALL TABLES IN SCHEMA \(schema) TO \(role);
                        ALTER DEFAULT PRIVILEGES IN SCHEMA \(schema) GRANT SELECT ON TABLES TO \(role);
                        """)
                }
                return (current, max(current, version))
            }
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(.database, "cannot create or upgrade schema \(schema)", underlying: error)
        }
    }
}
