import Postgres
import Testing

@testable import Segmentation

/// Which failures of a database source are read again: those of the connection, never those of the query.
@Suite struct DatabaseRetryTests {
    @Test func connectionFailuresAndEndedSessionsAreRetried() {
        #expect(ExtractStage.isTransient(PostgresError(.connection, "cannot connect to PostgreSQL")))
        #expect(ExtractStage.isTransient(PostgresError(.server, "connection failure", sqlState: "08006")))
        #expect(
            ExtractStage.isTransient(
                PostgresError(.server, "terminating connection due to administrator command", sqlState: "57P01")))
        #expect(
            ExtractStage.isTransient(PostgresError(.server, "the database system is shutting down", sqlState: "57P02")))
        #expect(
            ExtractStage.isTransient(PostgresError(.server, "the database system is starting up", sqlState: "57P03")))
    }

    @Test func queryAndConfigurationErrorsAreNotRetried() {
        #expect(!ExtractStage.isTransient(PostgresError(.server, "relation does not exist", sqlState: "42P01")))
        #expect(!ExtractStage.isTransient(PostgresError(.server, "syntax error", sqlState: "42601")))
        // A COPY cancelled by segpipe itself (a cancelled run) is not read again.
        #expect(!ExtractStage.isTransient(PostgresError(.server, "canceling statement", sqlState: "57014")))
        #expect(!ExtractStage.isTransient(PipelineError(.configuration, "missing required column")))
        #expect(!ExtractStage.isTransient(PostgresError(.decoding, "not an integer")))
    }
}
