import Foundation
public import Postgres

/// The PostgreSQL server the database tests use, named by the `DATABASE_URL` environment variable.
///
/// `scripts/test` starts a throwaway server with `scripts/dev-postgres start` and exports its URL. Without
/// `DATABASE_URL`, database suites are disabled locally (visibly, with a reason) but fail under `CI=true`:
///
/// ```swift
/// @Suite(.serialized, .enabled(if: TestDatabase.isEnabled, "set DATABASE_URL (scripts/dev-postgres start)"))
/// final class LoadTests {
///     let schema: TestSchema
///     init() throws { schema = try TestSchema(prefix: "load") }
///     deinit { schema.drop() }
/// }
/// ```
public enum TestDatabase {
    /// The error thrown by `url()` when no server is configured.
    public struct MissingDatabaseError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The value of `DATABASE_URL`, if set and not empty.
    public static var configuredURL: String? {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else { return nil }
        return url
    }

    /// Whether this run is on CI (`CI=true`), where a missing database is a failure, never a skip.
    public static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"]?.lowercased() == "true"
    }

    /// Whether database tests should run: a server is configured, or this is CI (where they then fail).
    public static var isEnabled: Bool { configuredURL != nil || isCI }

    /// The database URL.
    /// - Throws: `MissingDatabaseError` when `DATABASE_URL` is not set, saying how to start a server.
    public static func url() throws -> String {
        if let url = configuredURL { return url }
        throw MissingDatabaseError(
            description: "DATABASE_URL is not set\(isCI ? " on CI (CI=true), so database tests fail" : ""); "
                + "start a server with `scripts/dev-postgres start` and export DATABASE_URL=$(scripts/dev-postgres url),"
                + " or run the tests with scripts/test")
    }

    /// Opens a connection to the test database.
    public static func connect() throws -> PostgresConnection {
        try PostgresConnection(url: try url())
    }
}
