import Columnar
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A file read a slice of record batches at a time, or one value at a time, must give the rows the whole read gives.
@Suite struct BatchReadTests {
    /// `table` written to `t.arrow` in `directory` in batches of `batchRowCount` rows, opened for reading with its
    /// checksum verified.
    static func written(_ table: Table, batchRowCount: Int, in directory: TestDirectory) throws
        -> (reader: ArrowFileReader, file: WrittenFile)
    {
        let written = try ArrowFileWriter(batchRowCount: batchRowCount).write(table, to: directory.file("t.arrow"))
        return (try ArrowFileReader(path: written.path, expectedChecksum: written.checksum), written)
    }

    @Test(arguments: [false, true])
    func batchRangesReadBackTheirRows(withNulls: Bool) throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try ArrowRoundTripTests.sampleTable(rows: 23, withNulls: withNulls)
        let (reader, _) = try Self.written(table, batchRowCount: 5, in: directory)
        #expect(reader.batchRowCounts == [5, 5, 5, 5, 3])
        #expect(try reader.readTable(batches: 0..<5) == table)
        #expect(try reader.readTable(batches: 1..<3) == ArrowStreamWriterTests.slice(table, 5..<15))
        #expect(try reader.readTable(batches: 4..<5) == ArrowStreamWriterTests.slice(table, 20..<23))
        #expect(try reader.readTable(batches: 2..<2).rowCount == 0)
        let names = [table.columns[2].name, table.columns[0].name]
        let subset = try reader.readTable(columns: names, batches: 3..<5)
        #expect(subset.columnNames == names)
        #expect(subset.rowCount == 8)
    }

    /// Columns copied out through a parallel loop (on the cores, in no set order) give the table a serial read
    /// gives.
    @Test func parallelReadsGiveTheSerialTable() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try ArrowRoundTripTests.sampleTable(rows: 5_000, withNulls: true)
        let (reader, _) = try Self.written(table, batchRowCount: 700, in: directory)
        let parallel: ParallelFor = { count, body in DispatchQueue.concurrentPerform(iterations: count, execute: body) }
        #expect(try reader.readTable(batches: 0..<reader.batchCount, parallel: parallel) == table)
        let names = [table.columns[2].name, table.columns[0].name]
        #expect(
            try reader.readTable(columns: names, batches: 1..<4, parallel: parallel)
                == reader.readTable(columns: names, batches: 1..<4))
    }

    /// Batches read for the last time give the same rows, and leave the page cache: a mapping of the file made
    /// afterwards finds few of their pages resident. Skipped where dropping pages from the cache keeps them (tmpfs,
    /// whose pages are the file), as a control file shows.
    @Test func batchesReadForTheLastTimeLeaveThePageCache() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let rows = 1 << 20
        let table = try Table(columns: [
            Column(name: "id", values: .int64((0..<rows).map { Int64($0) })),
            Column(name: "amount", values: .float64((0..<rows).map { Double($0) / 4 })),
        ])
        let (reader, written) = try Self.written(table, batchRowCount: rows / 8, in: directory)
        let firstQuarter = rows / 4
        #expect(try reader.readTable(batches: 0..<2) == ArrowStreamWriterTests.slice(table, 0..<firstQuarter))
        #expect(
            try reader.readTable(batches: 2..<8, lastRead: true)
                == ArrowStreamWriterTests.slice(table, firstQuarter..<rows))
        #if os(Linux)
            let control = directory.file("control")
            try Data(repeating: 7, count: 1 << 20).write(to: URL(fileURLWithPath: control))
            let controlDescriptor = open(control, O_RDONLY)
            try #require(controlDescriptor >= 0)
            fsync(controlDescriptor)
            _ = posix_fadvise(controlDescriptor, 0, 0, POSIX_FADV_DONTNEED)
            close(controlDescriptor)
            guard try Self.residentPages(control).resident == 0 else { return }
            let (resident, total) = try Self.residentPages(written.path)
            // The first quarter (read without `lastRead`) stays; of the rest at most the pages at batch edges.
            #expect(resident < total / 2, "\(resident) of \(total) pages resident")
        #endif
    }

    #if os(Linux)
        /// How many of the pages of the file at `path` are in the page cache (`mincore` of a fresh mapping).
        static func residentPages(_ path: String) throws -> (resident: Int, total: Int) {
            let descriptor = open(path, O_RDONLY)
            try #require(descriptor >= 0)
            defer { close(descriptor) }
            let size = Int(lseek(descriptor, 0, SEEK_END))
            let mapping = try #require(mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0))
            defer { munmap(mapping, size) }
            let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
            var pages = [UInt8](repeating: 0, count: (size + pageSize - 1) / pageSize)
            try #require(mincore(mapping, size, &pages) == 0)
            return (pages.filter { $0 & 1 == 1 }.count, pages.count)
        }
    #endif

    @Test func oneTextValueIsReadStraightFromTheFile() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try ArrowRoundTripTests.sampleTable(rows: 23, withNulls: true)
        let (reader, _) = try Self.written(table, batchRowCount: 4, in: directory)
        let textIndex = try #require(table.columns.firstIndex { $0.type == .utf8 })
        guard case .utf8(let strings) = table.columns[textIndex].values else { return }
        for row in 0..<23 {
            let value = try reader.withUTF8(columnIndex: textIndex, row: row) { String(decoding: $0, as: UTF8.self) }
            #expect(value == (table.columns[textIndex].isValid(row) ? strings[row] : ""), "row \(row)")
        }
        let numberIndex = try #require(table.columns.firstIndex { $0.type == .int64 })
        #expect(throws: ColumnarError.self) { try reader.withUTF8(columnIndex: numberIndex, row: 0) { $0.count } }
    }

    @Test func checksumIsVerifiedBeforeAnyBatchIsRead() throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let table = try ArrowRoundTripTests.sampleTable(rows: 10, withNulls: false)
        let written = try ArrowFileWriter(batchRowCount: 4).write(table, to: directory.file("t.arrow"))
        let wrong = Checksum(algorithm: .xxh64, hex: String(repeating: "0", count: 16))
        #expect(throws: ColumnarError.self) { _ = try ArrowFileReader(path: written.path, expectedChecksum: wrong) }
        // Read again after the pages were let go of: the same bytes.
        let reader = try ArrowFileReader(path: written.path, expectedChecksum: written.checksum)
        #expect(try reader.readTable(batches: 0..<3) == table)
        #expect(try reader.readTable(batches: 0..<3) == table)
    }
}

/// The seen-keys table answers exactly: repeats are found over any number of rows, and a tag that matches an
/// unrelated key (the caller says the keys differ) does not count as a repeat.
@Suite struct SeenKeysTests {
    @Test func repeatsAreFoundAndConfirmedByTheCaller() {
        let keys = (0..<5_000).map { "order-\($0 % 3_700)" }
        let seen = SeenKeys(capacity: keys.count)
        var confirmations = 0
        var repeats: [Int] = []
        for (row, key) in keys.enumerated() {
            var text = key
            let isNew = text.withUTF8 { bytes in
                seen.insert(hash: seen.hash(bytes), row: row) { other in
                    confirmations += 1
                    return keys[other] == key
                }
            }
            if !isNew { repeats.append(row) }
        }
        #expect(repeats == Array(3_700..<5_000))
        #expect(seen.count == 3_700)
        #expect(confirmations >= 1_300)
    }

    @Test func agreesWithASetOverAFullTable() {
        // As many keys as the table was sized for, with repeats spread over all of it.
        let values = (0..<200_000).map { "O\(($0 * 7_919) % 150_001)" }
        let seen = SeenKeys(capacity: values.count)
        var set = Set<String>()
        for (row, value) in values.enumerated() {
            var text = value
            let isNew = text.withUTF8 { bytes in
                seen.insert(hash: seen.hash(bytes), row: row) { values[$0] == value }
            }
            #expect(isNew == set.insert(value).inserted, "row \(row)")
        }
        #expect(seen.count == set.count)
    }

    @Test func aTagMatchTheCallerRejectsIsANewKey() {
        let seen = SeenKeys(capacity: 4)
        var bytes: [UInt8] = Array("same".utf8)
        let hash = bytes.withUnsafeBufferPointer { seen.hash($0) }
        #expect(seen.insert(hash: hash, row: 0) { _ in true })
        // Same hash, but the caller reads row 0 back and finds a different key: kept as new.
        #expect(seen.insert(hash: hash, row: 1) { _ in false })
        #expect(!seen.insert(hash: hash, row: 2) { $0 == 1 })
        #expect(seen.count == 2)
        bytes = []
        #expect(bytes.withUnsafeBufferPointer { seen.hash($0) } != hash)
    }
}
