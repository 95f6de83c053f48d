import Foundation
public import Postgres

/// A fresh, uniquely named schema for one test suite instance, dropped (with its contents) by `drop()`.
///
/// The connection's `search_path` is set to the schema, so unqualified table names land in it.
public final class TestSchema {
    /// The schema name, unquoted (such as `test_copy_1a2b3c4d`).
    public let name: String
    /// The schema name, quoted for SQL.
    public let quotedName: String
    /// A connection whose `search_path` is the schema.
    public let connection: PostgresConnection
    private var isDropped = false

    /// Creates the schema `test_<prefix>_<random>` on the test database.
    /// - Throws: `TestDatabase.MissingDatabaseError` without `DATABASE_URL`, or `PostgresError`.
    public init(prefix: String) throws {
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        name = "test_\(prefix.lowercased())_\(suffix)"
        quotedName = PostgresIdentifier.quote(name)
        connection = try TestDatabase.connect()
        try connection.executeScript("CREATE SCHEMA \(quotedName); SET search_path TO \(quotedName)")
    }

    /// `name` qualified with the schema and quoted: `"test_x_…"."name"`.
    public func qualified(_ table: String) -> String {
        PostgresIdentifier.quote(schema: name, name: table)
    }

    /// Drops the schema and everything in it; safe to call more than once.
    public func drop() {
        guard !isDropped else { return }
        isDropped = true
        _ = try? connection.executeScript("DROP SCHEMA IF EXISTS \(quotedName) CASCADE")
    }

    deinit {
        drop()
    }
}
