import Columnar
import Foundation
import TestSupport
import Testing

@testable import Segmentation

/// A checkpoint file is read without a second hash only while it is the very file this process wrote.
@Suite struct WrittenCheckpointsTests {
    @Test func onlyAnUnchangedFileWithTheRecordedChecksumIsTrusted() throws {
        let folder = try TemporaryDirectory(prefix: "written")
        let path = folder.path + "/t.arrow"
        try Data("abc".utf8).write(to: URL(fileURLWithPath: path))
        let written = WrittenCheckpoints()
        let sha = Checksum(algorithm: .xxh64, hex: String(repeating: "a", count: 16))
        #expect(!written.isUnchanged(path, checksum: sha), "a file never recorded")
        written.record(path, checksum: sha)
        #expect(written.isUnchanged(path, checksum: sha))
        #expect(written.isUnchanged(path, checksum: Checksum(algorithm: .xxh64, hex: sha.hex.uppercased())))
        let other = Checksum(algorithm: .xxh64, hex: String(repeating: "b", count: 16))
        #expect(!written.isUnchanged(path, checksum: other), "another checksum")
        #expect(
            !written.isUnchanged(path, checksum: Checksum(algorithm: .sha256, hex: String(repeating: "a", count: 64))),
            "another algorithm")

        // Rewritten with other bytes of the same size: its status-change time moves on.
        Thread.sleep(forTimeInterval: 0.01)
        try Data("abd".utf8).write(to: URL(fileURLWithPath: path))
        #expect(!written.isUnchanged(path, checksum: sha))

        // Recorded again, then only its times set back with touch: still not trusted.
        written.record(path, checksum: sha)
        #expect(written.isUnchanged(path, checksum: sha))
        Thread.sleep(forTimeInterval: 0.01)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 0)], ofItemAtPath: path)
        #expect(!written.isUnchanged(path, checksum: sha))

        try FileManager.default.removeItem(atPath: path)
        #expect(!written.isUnchanged(path, checksum: sha), "a removed file")
    }
}
