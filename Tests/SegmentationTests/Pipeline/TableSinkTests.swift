import Columnar
import Foundation
import TestSupport
import Testing

@testable import Segmentation

/// Streaming into a checkpoint writes the slices on a thread of its own: the file holds every slice in order, and a
/// failure on either side (transforming a slice, or writing one) ends the stream with that error and leaves no file.
@Suite struct TableSinkTests {
    static func numbers(_ count: Int) throws -> Table {
        try Table(columns: [
            Column(name: "id", values: .utf8(StringColumn((0..<count).map { "row-\($0)" }))),
            Column(name: "value", values: .int64((0..<count).map { Int64($0) })),
        ])
    }

    static func setUp() throws -> (TemporaryDirectory, InputBatches, CheckpointOutput) {
        let folder = try TemporaryDirectory(prefix: "sink")
        let input = try StageFixtures.streamed(
            try numbers(1_000), named: "orders", of: .clean, batchRows: 37, in: folder.path)
        let store = CheckpointStore(root: folder.path + "/checkpoints")
        return (folder, input, CheckpointOutput(store: store, runID: "r1", stage: .dedupe))
    }

    static func files(_ folder: TemporaryDirectory) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.path + "/checkpoints/r1/dedupe")) ?? []
    }

    @Test func everySliceIsWrittenInOrder() throws {
        let (folder, input, output) = try Self.setUp()
        // Each slice keeps its even rows, so the written file differs from the input.
        let finished = try TableSink.stream(input, rows: 50, into: "orders", output: output) {
            slice throws(PipelineError) in
            let values = try slice.int64s("value")
            return slice.gathering(values.indices.filter { values[$0] % 2 == 0 })
        }
        guard case .file(let file) = finished else {
            Issue.record("expected a checkpoint file")
            return
        }
        #expect(file.rows == 500)
        let path = folder.path + "/checkpoints/r1/dedupe/orders.arrow"
        let written = try Table(readingArrowFile: path, expectedChecksum: file.checksum)
        #expect(written == (try Self.numbers(1_000)).gathering(Array(stride(from: 0, to: 1_000, by: 2))))
    }

    @Test func aFailingTransformStopsTheWriterAndLeavesNoFile() throws {
        let (folder, input, output) = try Self.setUp()
        var slices = 0
        let error = #expect(throws: PipelineError.self) {
            _ = try TableSink.stream(input, rows: 50, into: "orders", output: output) { slice throws(PipelineError) in
                slices += 1
                if slices == 5 { throw PipelineError(.cancelled, "stopped in slice 5") }
                return slice
            }
        }
        #expect(error?.message == "stopped in slice 5")
        #expect(Self.files(folder).isEmpty, "\(Self.files(folder))")
    }

    @Test func aFailingWriteEndsTheStreamWithItsError() throws {
        let (folder, input, output) = try Self.setUp()
        var slices = 0
        let error = #expect(throws: PipelineError.self) {
            _ = try TableSink.stream(input, rows: 50, into: "orders", output: output) { slice throws(PipelineError) in
                slices += 1
                // A slice whose columns are not the table's: the writer thread refuses it.
                guard slices == 3 else { return slice }
                do {
                    return try Table(columns: [slice.columns[1], slice.columns[0]])
                } catch {
                    throw PipelineError(.internal, "test table: \(error)")
                }
            }
        }
        #expect(error?.code == .internal)
        #expect(error?.message.contains("a slice has columns") == true)
        // At most one slice waits while another is written, so the error reaches the stream two slices later at
        // the latest (of 14).
        #expect(slices <= 5, "the stream goes on for \(slices) slices after a failed write")
        #expect(Self.files(folder).isEmpty, "\(Self.files(folder))")
    }
}
