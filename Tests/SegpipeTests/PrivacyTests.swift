import Foundation
import Testing

/// Contact data can be pseudonymised in the loaded tables with a keyed HMAC; the key never shows.
@Suite(.serialized) struct PrivacyTests {
    @Test func contactHashesAreKeyedHMACsAndTheKeyNeverAppears() throws {
        let url = try Database.url()
        let folder = try Scratch.makeFolder()
        let schema = "segpipe_privacy_\(UUID().uuidString.prefix(8).lowercased())"
        defer {
            Scratch.remove(folder)
            Database.dropSchema(schema, url: url)
        }
        let data = folder.appendingPathComponent("data").path
        let generated = try SegpipeBinary.run(["generate", "--customers", "300", "--out", data, "--as-of", "2026-11-01"])
        try #require(generated.exitCode == 0)
        let pipeline = folder.appendingPathComponent("privacy.yaml").path
        try """
            name: privacy
            sources: {customers: {path: customers.csv}, orders: {path: orders.csv}}
            clean: {max_reject_rate: 0.5, currency_rates: {EUR: 1.0, CHF: 1.04, GBP: 1.17}}
            segment: {k: 3}
            load: {schema: \(schema), pseudonymize_contacts: true}
            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let checkpoints = folder.appendingPathComponent("checkpoints").path
        let arguments = [
            "run", "--pipeline", pipeline, "--data-dir", data, "--database-url", url, "--checkpoint-dir", checkpoints,
            "--as-of", "2026-11-01", "--log-format", "json",
        ]
        let secret = "correct horse battery staple"

        let withoutKey = try SegpipeBinary.run(arguments, environment: ["SEGPIPE_PSEUDONYM_KEY": ""])
        #expect(withoutKey.exitCode == 2)
        #expect(withoutKey.stderr.contains("SEGPIPE_PSEUDONYM_KEY"))

        let run = try SegpipeBinary.run(arguments, environment: ["SEGPIPE_PSEUDONYM_KEY": secret])
        try #require(run.exitCode == 0, "\(run.stderr)")
        #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret))

        let row = try Database.query(
            url,
            "SELECT customer_id || '|' || email_hash FROM \(schema).customer_features WHERE email_hash IS NOT NULL "
                + "ORDER BY customer_id LIMIT 1")
        let parts = row.split(separator: "|").map(String.init)
        try #require(parts.count == 2, "no hashed email loaded: \(row)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: checkpoints).filter { !$0.hasPrefix(".") }
        let script = """
            import hmac, hashlib, sys, pyarrow.feather as f
            t = f.read_table(sys.argv[1]).to_pydict()
            email = t["email"][t["customer_id"].index(sys.argv[2])]
            print(hmac.new(sys.argv[3].encode(), email.encode(), hashlib.sha256).hexdigest())
            """
        let expected = try Python.run(
            script, ["\(checkpoints)/\(runs[0])/dedupe/customers.arrow", parts[0], secret])
        #expect(expected.exitCode == 0, "\(expected.stderr)")
        #expect(expected.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == parts[1])
        let secretInDatabase = try Database.query(
            url, "SELECT count(*) FROM \(schema).runs WHERE stats::text LIKE '%horse battery%'")
        #expect(secretInDatabase == "0")
    }
}
