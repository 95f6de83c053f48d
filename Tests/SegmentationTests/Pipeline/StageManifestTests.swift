import Columnar
import Foundation
import TestSupport
import Testing

@testable import Segmentation

/// The manifest's file checksums: schema version 2 writes `checksum` with its algorithm; version 1 manifests, which
/// have only `sha256`, are still read, and their output digest (which downstream stages record as their input
/// digest) is the one version 1 computed, so upgrading does not rerun anything.
@Suite struct StageManifestTests {
    static let sha = String(repeating: "0123456789abcdef", count: 4)

    static func manifestJSON(file: String) -> String {
        """
        {"as_of":"2026-11-01","config_digest":"c","duration_seconds":1.5,"error":null,"files":[\(file)],
         "finished_at":"2026-11-01T00:00:02Z","input_digest":"i","inputs":{},"metrics":{},"run_id":"r",
         "schema_version":1,"stage":"clean","started_at":"2026-11-01T00:00:00Z","status":"completed",
         "tool_version":"0.1.0"}
        """
    }

    /// A manifest written by a newer segpipe (a higher schema version) is refused with the version that wrote it,
    /// instead of being read as this version's layout; this version's and older ones are read.
    @Test(arguments: [1, 2, 3])
    func manifestsOfANewerLayoutAreRefused(version: Int) throws {
        let folder = try TemporaryDirectory(prefix: "manifest-version")
        let store = CheckpointStore(root: folder.path)
        let json = Self.manifestJSON(
            file: #"{"bytes":10,"name":"orders.arrow","rows":2,"sha256":"\#(Self.sha)","table":"orders"}"#)
            .replacingOccurrences(of: #""schema_version":1"#, with: #""schema_version":\#(version)"#)
            .replacingOccurrences(of: #""tool_version":"0.1.0""#, with: #""tool_version":"9.0.0""#)
        try FileManager.default.createDirectory(
            atPath: store.stageDirectory("r", .clean), withIntermediateDirectories: true)
        try Data(json.utf8).write(to: URL(fileURLWithPath: store.stageDirectory("r", .clean) + "/_manifest.json"))
        if version <= StageManifest.currentSchemaVersion {
            #expect(try store.manifest("r", .clean)?.schemaVersion == version)
        } else {
            #expect {
                try store.manifest("r", .clean)
            } throws: { error in
                let text = "\(error)"
                return (error as? PipelineError)?.code == .checkpoint
                    && text.contains("schema version \(version)") && text.contains("segpipe 9.0.0")
            }
        }
    }

    @Test func schemaOneManifestIsReadWithItsSHA256AndKeepsItsDigest() throws {
        let json = Self.manifestJSON(
            file: #"{"bytes":10,"name":"orders.arrow","rows":2,"sha256":"\#(Self.sha.uppercased())","table":"orders"}"#)
        let manifest = try JSONDecoder().decode(StageManifest.self, from: Data(json.utf8))
        let file = try #require(manifest.file(for: "orders"))
        #expect(file.checksum == Checksum(algorithm: .sha256, hex: Self.sha))
        // Version 1's digest: SHA-256 over "table=<hex>" lines.
        #expect(manifest.outputDigest == Digest.sha256("orders=\(Self.sha)"))
    }

    @Test func checksumsAreWrittenWithTheirAlgorithm() throws {
        var manifest = StageManifest(
            stage: .clean, runID: "r", asOf: "2026-11-01", startedAt: "2026-11-01T00:00:00Z", configDigest: "c",
            inputDigest: "i", inputs: [:])
        #expect(manifest.schemaVersion == 2)
        let xxh = Checksum(algorithm: .xxh64, hex: "00ff00ff00ff00ff")
        let sha = Checksum(algorithm: .sha256, hex: Self.sha)
        manifest.files = [
            .init(table: "orders", name: "orders.arrow", rows: 2, bytes: 10, checksum: xxh),
            .init(table: "customers", name: "customers.arrow", rows: 1, bytes: 5, checksum: sha),
        ]
        let text = CanonicalJSON.string(manifest)
        #expect(text.contains(#""checksum":"xxh64:00ff00ff00ff00ff""#))
        #expect(text.contains(#""checksum":"sha256:\#(Self.sha)""#))
        #expect(text.contains(#""sha256":"\#(Self.sha)""#), "a SHA-256 is also written where version 1 had it")
        #expect(text.components(separatedBy: #""sha256":"#).count == 2, "no sha256 field for the XXH64 file")
        let decoded = try JSONDecoder().decode(StageManifest.self, from: Data(text.utf8))
        #expect(decoded == manifest)
        #expect(manifest.outputDigest == Digest.sha256("customers=\(Self.sha)\norders=xxh64:00ff00ff00ff00ff"))
    }

    @Test(arguments: [
        #""checksum":"md5:0123""#, #""checksum":"xxh64:12""#, #""sha256":"abc""#, #""rows_only":1"#,
    ])
    func badChecksumFieldsAreRefused(field: String) {
        let json = Self.manifestJSON(file: #"{"bytes":10,"name":"o.arrow","rows":2,\#(field),"table":"orders"}"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(StageManifest.self, from: Data(json.utf8)) }
    }
}
