import Foundation
import Postgres
import TestSupport
import Testing

@Suite(.serialized, .enabled(if: TestDatabase.isEnabled, "DATABASE_URL not set: run scripts/dev-postgres start"))
final class PostgresConnectionTests {
    let schema: TestSchema
    var db: PostgresConnection { schema.connection }

    init() throws {
        schema = try TestSchema(prefix: "connection")
    }

    deinit {
        schema.drop()
    }

    @Test func connectsAndReportsServerFacts() throws {
        let connection = try PostgresConnection(url: try TestDatabase.url())
        #expect(connection.isConnected)
        #expect(connection.serverVersion >= 100_000)
        #expect(connection.parameterStatus("client_encoding") == "UTF8")
        #expect(connection.parameterStatus("DateStyle")?.hasPrefix("ISO") == true)
        let name = try connection.execute("SHOW application_name").decode(String.self, row: 0, column: 0)
        #expect(name == "segpipe")
    }

    @Test func unreachableServerErrorHidesPassword() throws {
        let url = "postgresql://segpipe:s3cr3t-pa55@127.0.0.1:1/segpipe"
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: url) }
        #expect(error.isConnectionFailure)
        #expect(!error.description.contains("s3cr3t-pa55"))
        #expect(!error.debugDescription.contains("s3cr3t-pa55"))
        #expect(!error.description.contains(url))
        #expect(error.description.contains("host=127.0.0.1"))
        #expect(error.description.contains("port=1"))
    }

    @Test func unknownHostErrorHidesPassword() throws {
        let conninfo = "host=no-such-host.invalid port=5432 dbname=segpipe user=segpipe password=s3cr3t-pa55"
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: conninfo) }
        #expect(error.code == .connection)
        #expect(!error.description.contains("s3cr3t-pa55"))
        #expect(error.description.contains("no-such-host.invalid"))
    }

    @Test func malformedConnectionStringErrorHidesPassword() throws {
        for conninfo in ["host=localhost password=s3cr3t-pa55 dangling", "postgresql://u:s3cr3t-pa55@[::1/db"] {
            let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: conninfo) }
            #expect(error.code == .connection)
            #expect(!error.description.contains("s3cr3t-pa55"), "\(error)")
        }
    }

    @Test func missingDatabaseIsAServerReportedConnectionFailure() throws {
        let base = try TestDatabase.url()
        let url = String(base[..<(base.lastIndex(of: "/") ?? base.endIndex)]) + "/no_such_database"
        let error = try #require(throws: PostgresError.self) { try PostgresConnection(url: url) }
        #expect(error.isConnectionFailure)
        #expect(error.description.contains("no_such_database"))
    }

    @Test func parametersBindAndDecodeTyped() throws {
        let result = try db.execute(
            "SELECT $1::bigint AS i, $2::float8 AS d, $3::text AS t, $4::bool AS b, $5::date AS day, "
                + "$6::timestamptz AS ts, $7::jsonb AS j, $8::text AS n, $9 AS inferred",
            [
                .int64(-9_000_000_000), .double(0.1), .text("Zoë's \"café\" ☕"), .bool(true),
                .date(daysSince1970: 19_723), .timestamp(microsecondsSince1970: 1_704_067_200_123_456),
                .json(#"{"k": [1, 2]}"#), .null, .int64(7),
            ])
        #expect(result.rowCount == 1)
        #expect(result.columnNames == ["i", "d", "t", "b", "day", "ts", "j", "n", "inferred"])
        #expect(try result.decode(Int64.self, row: 0, column: 0) == -9_000_000_000)
        #expect(try result.decode(Double.self, row: 0, column: "d") == 0.1)
        #expect(try result.decode(String.self, row: 0, column: 2) == "Zoë's \"café\" ☕")
        #expect(try result.decode(Bool.self, row: 0, column: 3))
        #expect(result.string(row: 0, column: 4) == "2024-01-01")
        #expect(try result.decodeDate(row: 0, column: 4) == 19_723)
        #expect(try result.decodeTimestamp(row: 0, column: 5) == 1_704_067_200_123_456)
        #expect(try result.decode(String.self, row: 0, column: 6) == #"{"k": [1, 2]}"#)
        #expect(result.isNull(row: 0, column: 7))
        #expect(try result.decodeIfPresent(String.self, row: 0, column: 7) == nil)
        #expect(try result.decode(Int.self, row: 0, column: 8) == 7)
    }

    @Test func specialDoublesRoundTrip() throws {
        let values: [Double] = [.nan, .infinity, -.infinity, -0.0, 1e-310, .greatestFiniteMagnitude, 1 / 3]
        for value in values {
            let decoded = try db.execute("SELECT $1::float8", [.double(value)]).decode(Double.self, row: 0, column: 0)
            #expect(decoded.bitPattern == value.bitPattern || (decoded.isNaN && value.isNaN), "\(value)")
        }
    }

    @Test func timestampsDecodeInAnySessionTimeZone() throws {
        try db.executeScript("SET TimeZone = 'Asia/Kolkata'")
        defer { _ = try? db.executeScript("RESET TimeZone") }
        let micros: Int64 = -1_234_567_890_123_457  // before 1970, odd fraction
        let result = try db.execute("SELECT $1::timestamptz", [.timestamp(microsecondsSince1970: micros)])
        #expect(result.string(row: 0, column: 0)?.hasSuffix("+05:30") == true)
        #expect(try result.decodeTimestamp(row: 0, column: 0) == micros)
    }

    @Test func decodingMismatchAndNullThrowClearErrors() throws {
        let result = try db.execute("SELECT 'abc'::text AS word, NULL::bigint AS missing, 1.5::numeric AS half")
        let mismatch = try #require(throws: PostgresError.self) { try result.decode(Int64.self, row: 0, column: 0) }
        #expect(mismatch.code == .decoding)
        #expect(mismatch.description.contains("word"))
        #expect(mismatch.description.contains("Int64"))
        let null = try #require(throws: PostgresError.self) { try result.decode(Int64.self, row: 0, column: 1) }
        #expect(null.description.contains("NULL"))
        #expect(throws: PostgresError.self) { try result.decode(Int64.self, row: 0, column: "half") }
        #expect(try result.decode(Double.self, row: 0, column: "half") == 1.5)
        #expect(throws: PostgresError.self) { try result.decode(Bool.self, row: 0, column: "nope") }
    }

    @Test func syntaxErrorCarriesSQLState() throws {
        let error = try #require(throws: PostgresError.self) { try db.execute("SELEC 1") }
        #expect(error.code == .server)
        #expect(error.sqlState == "42601")
        #expect(error.description.contains("syntax error"))
        // The connection stays usable.
        #expect(try db.execute("SELECT 1").decode(Int64.self, row: 0, column: 0) == 1)
    }

    @Test func uniqueViolationIsRecognisedWithoutLeakingValues() throws {
        try db.executeScript("CREATE TABLE people (email text PRIMARY KEY)")
        try db.execute("INSERT INTO people VALUES ($1)", [.text("secret@example.com")])
        let error = try #require(throws: PostgresError.self) {
            try db.execute("INSERT INTO people VALUES ($1)", [.text("secret@example.com")])
        }
        #expect(error.isUniqueViolation)
        #expect(error.sqlState == "23505")
        #expect(error.constraintName == "people_pkey")
        #expect(error.tableName == "people")
        #expect(error.detail?.contains("secret@example.com") == true)
        #expect(!error.description.contains("secret@example.com"))
    }

    @Test func affectedRowsAndCommandTag() throws {
        try db.executeScript("CREATE TABLE counts (n int); INSERT INTO counts SELECT generate_series(1, 5)")
        let deleted = try db.execute("DELETE FROM counts WHERE n > $1", [.int64(2)])
        #expect(deleted.commandTag == "DELETE 3")
        #expect(deleted.affectedRows == 3)
        #expect(try db.execute("SELECT n FROM counts ORDER BY n").rowCount == 2)
    }

    @Test func nulCharactersAreRejectedBeforeSending() throws {
        let error = try #require(throws: PostgresError.self) { try db.execute("SELECT $1", [.text("a\u{0}b")]) }
        #expect(error.code == .invalidArgument)
        #expect(error.description.contains("$1"))
    }

    @Test func scriptRunsSeveralStatementsAndNoticesDoNotBreakIt() throws {
        try db.executeScript(
            """
            DROP TABLE IF EXISTS not_there;
            CREATE TABLE script_table (id int);
            INSERT INTO script_table VALUES (1), (2);
            """)
        #expect(try db.execute("SELECT count(*) FROM script_table").decode(Int64.self, row: 0, column: 0) == 2)
    }

    @Test func copyStatementThroughExecuteFailsCleanly() throws {
        try db.executeScript("CREATE TABLE copy_target (id int)")
        let error = try #require(throws: PostgresError.self) { try db.execute("COPY copy_target FROM STDIN") }
        #expect(error.code == .copy)
        #expect(try db.execute("SELECT count(*) FROM copy_target").decode(Int64.self, row: 0, column: 0) == 0)
    }

    // MARK: - Transactions

    struct Boom: Error {}

    @Test func transactionCommitsOnSuccess() throws {
        try db.executeScript("CREATE TABLE ledger (n int)")
        let value = try db.transaction {
            try db.execute("INSERT INTO ledger VALUES (1)")
            return 42
        }
        #expect(value == 42)
        #expect(!db.isInTransaction)
        #expect(try db.execute("SELECT count(*) FROM ledger").decode(Int64.self, row: 0, column: 0) == 1)
    }

    @Test func transactionRollsBackWhenBodyThrows() throws {
        try db.executeScript("CREATE TABLE ledger (n int)")
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO ledger VALUES (1)")
                throw Boom()
            }
        }
        #expect(!db.isInTransaction)
        #expect(try db.execute("SELECT count(*) FROM ledger").decode(Int64.self, row: 0, column: 0) == 0)
    }

    @Test func transactionWithSwallowedFailureReportsRollback() throws {
        try db.executeScript("CREATE TABLE ledger (n int)")
        let error = try #require(throws: PostgresError.self) {
            try db.transaction {
                try db.execute("INSERT INTO ledger VALUES (1)")
                _ = try? db.execute("SELECT 1/0")
            }
        }
        #expect(error.code == .transaction)
        #expect(try db.execute("SELECT count(*) FROM ledger").decode(Int64.self, row: 0, column: 0) == 0)
    }

    @Test func transactionsDoNotNest() throws {
        let error = try #require(throws: PostgresError.self) {
            try db.transaction { try db.transaction {} }
        }
        #expect(error.code == .transaction)
        #expect(!db.isInTransaction)
    }

    // MARK: - Advisory locks

    @Test func advisoryLockIsExclusiveAcrossConnections() throws {
        let other = try TestDatabase.connect()
        let key = Int64.random(in: 1...Int64.max)
        #expect(try db.tryAdvisoryLock(key: key))
        #expect(try !other.tryAdvisoryLock(key: key))
        #expect(try db.advisoryUnlock(key: key))
        #expect(try other.tryAdvisoryLock(key: key))
        #expect(try !db.tryAdvisoryLock(key: key))
        #expect(try !db.advisoryUnlock(key: key))
        #expect(try other.advisoryUnlock(key: key))
    }

    @Test func advisoryLockIsReleasedWhenConnectionCloses() throws {
        let key = Int64.random(in: 1...Int64.max)
        do {
            let holder = try TestDatabase.connect()
            #expect(try holder.tryAdvisoryLock(key: key))
            #expect(try !db.tryAdvisoryLock(key: key))
        }
        // The server notices the closed session promptly; allow it a moment.
        var acquired = false
        for _ in 0..<50 where !acquired {
            acquired = try db.tryAdvisoryLock(key: key)
            if !acquired { Thread.sleep(forTimeInterval: 0.02) }
        }
        #expect(acquired)
        try db.advisoryUnlock(key: key)
    }
}
