import Columnar
import Foundation
import Testing

@testable import Segmentation

/// The typed rows of a file kept as the parts they were read in, and those parts joined into one table: the join
/// must give exactly the parts one after the other, nulls included where only some parts have any.
@Suite struct ReadBatchesTests {
    /// A row of text fields for the builder, each field a string or nil (a database NULL), in storage of its own
    /// that lives as long as the row.
    final class Row: FieldSource {
        let fields: [UnsafeMutableBufferPointer<UInt8>?]
        var fieldCount: Int { fields.count }
        func bytes(ofField index: Int) -> UnsafeBufferPointer<UInt8>? { fields[index].map { UnsafeBufferPointer($0) } }
        init(_ fields: String?...) {
            self.fields = fields.map { field in
                field.map { text in
                    let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: text.utf8.count)
                    _ = storage.initialize(from: text.utf8)
                    return storage
                }
            }
        }
        deinit { for case let storage? in fields { storage.deallocate() } }
    }

    static func builder(textByteLimit: Int = TypedTableBuilder.defaultTextByteLimit) -> TypedTableBuilder {
        TypedTableBuilder(
            schema: CanonicalSchema.orders, positions: Array(0..<8), dateFormat: .auto, decimalStyle: .auto,
            textByteLimit: textByteLimit)
    }

    static func row(_ index: Int, currency: String?, quantity: String?) -> Row {
        Row(
            "O\(index)", "K\(index % 7)", "2024-03-0\(index % 9 + 1)", "\(index).25", currency, "Books", quantity,
            "paid")
    }

    /// A column keeps no flags until its first null, then has every row's: the rows before it valid.
    @Test func validityStartsAtTheFirstNull() throws {
        let builder = Self.builder()
        for index in 0..<5 {
            #expect(builder.append(Self.row(index, currency: "EUR", quantity: index == 2 ? "" : "1"), line: 2) == nil)
        }
        let columns = builder.columns()
        let quantity = try #require(columns.first { $0.name == "quantity" })
        #expect(quantity.validity == [true, true, false, true, true])
        #expect(quantity.values == .int64([1, 1, 0, 1, 1]))
        #expect(columns.first { $0.name == "currency" }?.validity == nil)
        builder.reset()
        #expect(builder.append(Self.row(9, currency: "EUR", quantity: "3"), line: 2) == nil)
        #expect(builder.columns().first { $0.name == "quantity" }?.validity == nil, "reset keeps no flags")
        // A rejected row leaves nothing behind, flags included.
        #expect(builder.append(Self.row(10, currency: nil, quantity: "x"), line: 3) != nil)
        #expect(builder.rowCount == 1)
        #expect(builder.columns().first { $0.name == "currency" }?.validity == nil)
    }

    @Test func fullAtTheTextLimit() {
        let builder = Self.builder(textByteLimit: 20)
        var rows = 0
        while !builder.isFull {
            #expect(builder.append(Self.row(rows, currency: "EUR", quantity: "1"), line: 2) == nil)
            rows += 1
        }
        // "O0".."O9" are 2 bytes each, "K0".."K6" too, "EUR" 3, "Books" 5: category passes 20 bytes first, at 4 rows.
        #expect(rows == 4)
        builder.reset()
        #expect(!builder.isFull)
    }

    /// Builders whose columns are null in some and not others join with the flags where they belong; the joined
    /// table equals the parts' own columns concatenated.
    @Test func joinedPartsEqualThePartsInOrder() throws {
        var builders: [TypedTableBuilder] = []
        var expected: [[Column]] = []
        var row = 0
        for (part, size) in [3, 0, 4, 2].enumerated() {
            let builder = Self.builder()
            for _ in 0..<size {
                let quantity = part == 2 && row % 2 == 0 ? nil : "\(row)"
                let currency = part == 3 ? "" : "CHF"
                let appended = builder.append(
                    Self.row(row, currency: currency, quantity: quantity), line: Int64(row + 2))
                #expect(appended == nil)
                row += 1
            }
            builders.append(builder)
            expected.append(builder.columns())
        }
        let joined = try ExtractStage.ReadBatches(schema: CanonicalSchema.orders, parts: builders, rejects: []).table()
        #expect(joined == (try Table(columns: ExtractStage.concatenating(&expected))))
        #expect(joined.rowCount == 9)
        #expect(try joined.strings("order_id") == StringColumn((0..<9).map { "O\($0)" }))
        let quantity = try #require(joined.columns.first { $0.name == "quantity" })
        // Part 2 holds rows 3 to 6; rows 4 and 6 have no quantity.
        #expect(quantity.validity == [true, true, true, true, false, true, false, true, true])
        let currency = try #require(joined.columns.first { $0.name == "currency" })
        #expect(currency.validity == [true, true, true, true, true, true, true, false, false])
        #expect(try joined.strings("currency") == StringColumn(Array(repeating: "CHF", count: 7) + ["", ""]))
        let lines = try #require(joined.columns.last)
        #expect(lines.name == CanonicalSchema.lineColumn)
        #expect(lines.values == .int64((0..<9).map { Int64($0 + 2) }))
    }

    /// A file read in parts and kept as batches holds what one read holds; joined, it is that table.
    @Test(arguments: [1, 2])
    func batchesOfAFileJoinToTheWholeRead(parallelism: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("segpipe-batches-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("orders.csv").path
        var text = ParallelReadTests.ordersFile(rows: 3_000, quotedBreakAt: 1_200)
        // An empty quantity only near the end: the last parts have nulls there, the first none.
        text += (0..<5).map { "Z\($0),K1,2024-05-01,3.00,EUR,Books,,completed\n" }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let source = PipelineConfiguration.Source(path: path)

        let whole = try CSVReader(path: path, dialect: CSVDialect(), chunkSize: 4096)
        var expectedParts: [[Column]] = []
        var expectedRejects: [Reject] = []
        try ExtractStage.read(
            whole, source: source, file: "orders.csv", schema: CanonicalSchema.orders, parallelism: 1, partBytes: .max
        ) { part in
            expectedParts.append(part.rows.columns())
            expectedRejects.append(contentsOf: part.rejects)
        }
        let expected = try Table(columns: ExtractStage.concatenating(&expectedParts))

        let reader = try CSVReader(path: path, dialect: CSVDialect(), chunkSize: 4096)
        let batches = try ExtractStage.readBatches(
            reader, source: source, file: "orders.csv", schema: CanonicalSchema.orders, parallelism: parallelism,
            partBytes: 20_000)
        #expect(batches.parts.count > 3)
        #expect(Set(batches.parts.map(ObjectIdentifier.init)).count == batches.parts.count, "a builder was reused")
        #expect(batches.rowCount == expected.rowCount)
        #expect(batches.rejects == expectedRejects)
        var pieces = batches.parts.map { $0.columns() }
        #expect(try Table(columns: ExtractStage.concatenating(&pieces)) == expected)
        let table = try batches.table()
        #expect(table == expected)
        let quantity = table.columns.first { $0.name == "quantity" }
        #expect(quantity?.validity?.suffix(6) == [true] + Array(repeating: false, count: 5))
    }

    /// A `.gz` file kept as batches: every chunk handed on has a builder of its own.
    @Test func compressedChunksKeptAsBatches() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("segpipe-gz-batches-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("orders.csv").path
        try ParallelReadTests.writeOrdersWithGzipCopy(plain)

        // The reference: the plain file in one part, its columns copied out of the builder, not joined by table().
        var expectedParts: [[Column]] = []
        var expectedRejects: [Reject] = []
        try ExtractStage.read(
            try CSVReader(path: plain, dialect: CSVDialect(), chunkSize: 4096),
            source: PipelineConfiguration.Source(path: plain), file: "orders.csv", schema: CanonicalSchema.orders,
            partBytes: .max
        ) { part in
            expectedParts.append(part.rows.columns())
            expectedRejects.append(contentsOf: part.rejects)
        }
        let expected = try Table(columns: ExtractStage.concatenating(&expectedParts))
        let reader = try CSVReader(path: plain + ".gz", dialect: CSVDialect(), chunkSize: 4096)
        let batches = try ExtractStage.readBatches(
            reader, source: PipelineConfiguration.Source(path: plain + ".gz"), file: "orders.csv",
            schema: CanonicalSchema.orders, parallelism: 2, chunkRows: 100)
        #expect(batches.parts.map(\.rowCount) == Array(repeating: 100, count: 9) + [98])
        #expect(Set(batches.parts.map(ObjectIdentifier.init)).count == 10)
        #expect(batches.rejects == expectedRejects)
        #expect(try batches.table() == expected)
    }
}
