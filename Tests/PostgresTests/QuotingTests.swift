import Postgres
import TestSupport
import Testing

@Suite struct QuotingTests {
    @Test func identifierQuotesAreDoubled() {
        #expect(PostgresIdentifier.quote("my \"table\"") == #""my ""table""""#)
        #expect(PostgresIdentifier.quote("Customers") == #""Customers""#)
        #expect(PostgresIdentifier.quote(schema: "seg pipe", name: "runs") == #""seg pipe"."runs""#)
    }

    @Test func quoteFollowedByCombiningMarkIsStillEscaped() {
        #expect(PostgresIdentifier.quote("a\"\u{301}b") == "\"a\"\"\u{301}b\"")
        #expect(PostgresLiteral.quote("a'\u{301}b") == "'a''\u{301}b'")
    }

    @Test func literalsEscapeQuotesAndBackslashes() {
        #expect(PostgresLiteral.quote("it's") == "'it''s'")
        #expect(PostgresLiteral.quote(#"a\b"#) == #" E'a\\b'"#)
        #expect(PostgresLiteral.quote("") == "''")
    }
}

@Suite(.serialized, .enabled(if: TestDatabase.isEnabled, "DATABASE_URL not set: run scripts/dev-postgres start"))
final class HostileNameTests {
    let schema: TestSchema
    var db: PostgresConnection { schema.connection }

    init() throws {
        schema = try TestSchema(prefix: "quoting")
    }

    deinit {
        schema.drop()
    }

    static let hostileNames = [
        #""; drop table x; --"#, "x", "Mixed Case", "'; DROP SCHEMA public; --", #"back\slash"#, "ünïcødé 表",
        #"a"""b"#, "a\"\u{301}; drop table x; --", "X",
    ]

    @Test(arguments: hostileNames)
    func hostileIdentifiersRoundTrip(name: String) throws {
        // A sentinel table the hostile names try to drop.
        try db.executeScript("CREATE TABLE x (id int); INSERT INTO x VALUES (1)")
        defer { _ = try? db.executeScript("DROP TABLE IF EXISTS x") }
        if name == "x" { return }
        let table = PostgresIdentifier.quote(schema: schema.name, name: name)
        let column = PostgresIdentifier.quote(name)
        try db.executeScript("CREATE TABLE \(table) (\(column) text)")
        try db.execute("INSERT INTO \(table) (\(column)) VALUES ($1)", [.text(name)])
        let result = try db.execute("SELECT \(column) FROM \(table)")
        #expect(result.columnNames == [name])
        #expect(try result.decode(String.self, row: 0, column: 0) == name)
        let found = try db.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = $2",
            [.text(schema.name), .text(name)])
        #expect(try found.decode(Int64.self, row: 0, column: 0) == 1)
        #expect(try db.execute("SELECT count(*) FROM x").decode(Int64.self, row: 0, column: 0) == 1)
        try db.executeScript("DROP TABLE \(table)")
    }

    @Test(arguments: hostileNames)
    func hostileLiteralsRoundTrip(value: String) throws {
        let result = try db.execute("SELECT \(PostgresLiteral.quote(value))")
        #expect(try result.decode(String.self, row: 0, column: 0) == value)
    }
}
