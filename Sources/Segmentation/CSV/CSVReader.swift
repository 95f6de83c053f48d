import CByteScan

#if canImport(Glibc)
    import Glibc
#endif

/// A streaming RFC 4180 CSV reader working on bytes, with bounded memory.
///
/// The file is read in large chunks; a record cut by a chunk boundary is carried over to the next chunk,
/// so memory stays at about one chunk however large the file. Supported: quoted fields containing
/// delimiters, doubled quotes and line breaks (LF, CRLF or CR alone); a UTF-8 byte order mark; blank lines
/// (skipped); a trailing delimiter (an empty last field beyond the header's count is dropped);
/// Windows-1252 and Latin-1 files (fields are converted to UTF-8); `.gz` files (decompressed with `gzip`).
///
/// Lenient where exports commonly stray from RFC 4180: a quote inside an unquoted field is an ordinary
/// character, and characters after a closing quote (`"ab"c`) are appended to the field.
///
/// ```swift
/// let reader = try CSVReader(path: "orders.csv", dialect: CSVDialect())
/// let amount = reader.header.firstIndex(of: "amount")
/// try reader.forEachRecord { record in
///     let bytes = record.field(3)   // no allocation
/// }
/// ```
///
/// - Complexity: O(n) in the file size; memory O(chunk size + largest record).
public final class CSVReader {
    /// The default number of bytes read at a time (8 MiB).
    public static let defaultChunkSize = 8 << 20
    /// The default largest record accepted (64 MiB): larger usually means an unbalanced quote.
    public static let defaultMaximumRecordSize = 64 << 20

    /// Readable bytes after the sentinel: unquoted fields are searched 64 bytes at a time.
    private static let scanPadding = 64

    /// A buffer of `capacity` bytes, the sentinel and the scan padding (zeroed).
    private static func allocateBuffer(capacity: Int) -> UnsafeMutablePointer<UInt8> {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + 1 + scanPadding)
        (buffer + capacity).initialize(repeating: 0, count: 1 + scanPadding)
        return buffer
    }

    /// The file being read.
    public let path: String
    /// How the file is written.
    public let dialect: CSVDialect
    /// The column names from the header line (trimmed of surrounding spaces), or empty without a header.
    public private(set) var header: [String] = []
    /// Bytes consumed so far (decompressed bytes for `.gz` files), for progress reports.
    public private(set) var bytesRead: Int64 = 0
    /// Bytes of the file on disk consumed so far (compressed bytes for `.gz` files), for progress reports.
    ///
    /// Compare it with the file's size; it runs ahead of the records by up to a chunk (and for `.gz` files by
    /// what `gzip` has buffered). Costs a system call, so ask once per block of records.
    public var fileBytesRead: Int64 { source.fileOffset }

    private let source: CSVByteSource
    private let maximumRecordSize: Int
    private var expectedFieldCount: Int?

    /// The buffer holds `capacity` bytes plus one sentinel line feed after the data, then ``scanPadding`` bytes so
    /// that 64 bytes can be read from any position up to the sentinel.
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var position = 0
    private var end = 0
    private var isAtEndOfInput = false
    private var isFinished = false
    /// The physical line number at `position`.
    private var line = 1
    /// File offset (of the decompressed bytes) of `buffer[0]`.
    private var bufferStartOffset: Int64 = 0

    /// Where to stop: no record starting at or after this file offset is read (for reading a file in parts).
    public var stopOffset: Int64?
    /// Where reading stopped because of ``stopOffset``: the file offset of the first byte not read (always the
    /// start of a line) and the physical line number there; nil until then.
    public private(set) var stoppedAt: (offset: Int64, line: Int)?

    private var starts: UnsafeMutablePointer<Int>
    private var lengths: UnsafeMutablePointer<Int>
    private var fieldCapacity = 64
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity = 4096
    private var scratchCount = 0

    // Results of the last scan.
    private var scannedFieldCount = 0
    private var scannedNext = 0
    private var scannedRawEnd = 0
    private var scannedExtraLines = 0

    /// Opens a CSV file and reads its header (when the dialect has one).
    ///
    /// - Parameters:
    ///   - path: the file; a name ending in `.gz` is decompressed on the fly.
    ///   - dialect: delimiter, quote, header and encoding.
    ///   - chunkSize: bytes read at a time; small values are for tests.
    ///   - maximumRecordSize: the largest record accepted before ``CSVError/Code/recordTooLarge``.
    /// - Throws: ``CSVError`` when the file cannot be opened, or has no header line.
    public convenience init(
        path: String, dialect: CSVDialect = CSVDialect(), chunkSize: Int = CSVReader.defaultChunkSize,
        maximumRecordSize: Int = CSVReader.defaultMaximumRecordSize
    ) throws {
        try self.init(
            path: path, dialect: dialect, chunkSize: chunkSize, maximumRecordSize: maximumRecordSize, offset: 0)
        while end < 3 && !isAtEndOfInput {
            try refill()
        }
        if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF {
            position = 3
        }
        guard dialect.hasHeader else {
            expectedFieldCount = nil
            return
        }
        guard let record = try nextRecord() else {
            throw CSVError(
                .emptyFile, "the file is empty: expected a header line naming the columns", path: path, line: 1)
        }
        var names = record.strings().map { $0.trimmingASCIIWhitespace() }
        if names.count > 1, names.last?.isEmpty == true { names.removeLast() }
        header = names
        expectedFieldCount = names.count
    }

    /// Opens the same file as `reader` for reading from file offset `offset` on.
    ///
    /// `offset` must be the start of a record (as ``stoppedAt`` reports, or a line start believed to be one). Same
    /// dialect, header and limits; no header or byte order mark is read. Line numbers count from 1 at `offset`.
    ///
    /// For reading one plain (not `.gz`) file in parts on several cores.
    public convenience init(continuing reader: CSVReader, at offset: Int64, chunkSize: Int = CSVReader.defaultChunkSize)
        throws
    {
        try self.init(
            path: reader.path, dialect: reader.dialect, chunkSize: chunkSize,
            maximumRecordSize: reader.maximumRecordSize, offset: offset)
        header = reader.header
        expectedFieldCount = reader.expectedFieldCount
    }

    /// Allocates the buffers and opens the file at `offset`; reads nothing.
    private init(path: String, dialect: CSVDialect, chunkSize: Int, maximumRecordSize: Int, offset: Int64) throws {
        self.path = path
        self.dialect = dialect
        self.maximumRecordSize = max(maximumRecordSize, 16)
        capacity = max(chunkSize, 4)
        buffer = Self.allocateBuffer(capacity: capacity)
        buffer[0] = UInt8(ascii: "\n")
        starts = .allocate(capacity: fieldCapacity)
        lengths = .allocate(capacity: fieldCapacity)
        scratch = .allocate(capacity: scratchCapacity)
        do {
            source = try CSVByteSource(path: path, offset: offset)
        } catch {
            buffer.deallocate()
            starts.deallocate()
            lengths.deallocate()
            scratch.deallocate()
            throw error
        }
        bufferStartOffset = offset
    }

    /// The offset just after the first line feed at or after `offset` in a plain file (nil if none within `limit`).
    ///
    /// That is the start of a line, and of a record unless a quoted field spans that line feed.
    public static func lineStart(after offset: Int64, in path: String, limit: Int = 16 << 20) -> Int64? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let window = 1 << 16
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: window)
        defer { bytes.deallocate() }
        var position = offset
        while position - offset < Int64(limit) {
            let count = pread(descriptor, bytes, window, off_t(position))
            guard count > 0 else { return nil }
            for index in 0..<count where bytes[index] == 0x0A {
                return position + Int64(index) + 1
            }
            position += Int64(count)
        }
        return nil
    }

    deinit {
        buffer.deallocate()
        starts.deallocate()
        lengths.deallocate()
        scratch.deallocate()
    }

    /// Calls `body` with every data record in file order, then checks the input ended cleanly.
    ///
    /// The record passed to `body` is valid only during the call. Records are consumed: a second call
    /// sees only what the first did not read (nothing, when the first completed).
    /// - Throws: ``CSVError`` for an unterminated quote, an oversized record or a read failure;
    ///   or whatever `body` throws, which stops reading.
    public func forEachRecord(_ body: (CSVRecord) throws -> Void) throws {
        while let record = try nextRecord() {
            try body(record)
        }
        if !isFinished, stoppedAt == nil {
            isFinished = true
            try source.finish()
        }
    }

    /// The column index of a header name (exact match), or `nil`.
    public func columnIndex(of name: String) -> Int? {
        header.firstIndex(of: name)
    }

    // MARK: - Records

    /// The next non-blank record, or `nil` at the end of the input.
    private func nextRecord() throws -> CSVRecord? {
        while true {
            if position >= end {
                if isAtEndOfInput { return nil }
                try refill()
                continue
            }
            if let stopOffset, bufferStartOffset + Int64(position) >= stopOffset {
                if stoppedAt == nil { stoppedAt = (bufferStartOffset + Int64(position), line) }
                return nil
            }
            let byte = buffer[position]
            if byte == 0x0A {
                position += 1
                line += 1
                continue
            }
            if byte == 0x0D {
                if position + 1 >= end && !isAtEndOfInput {
                    try refill()
                    continue
                }
                position += (position + 1 < end && buffer[position + 1] == 0x0A) ? 2 : 1
                line += 1
                continue
            }
            guard try scanRecord(from: position) else {
                try refill()
                continue
            }
            var fieldCount = scannedFieldCount
            if let expected = expectedFieldCount, fieldCount == expected + 1, lengths[fieldCount - 1] == 0 {
                fieldCount -= 1
            }
            let record = CSVRecord(
                lineNumber: line, fieldCount: fieldCount, buffer: buffer, scratch: scratch, starts: starts,
                lengths: lengths, rawStart: position, rawCount: scannedRawEnd - position, encoding: dialect.encoding)
            position = scannedNext
            line += 1 + scannedExtraLines
            return record
        }
    }

    /// Moves the unread bytes to the front of the buffer (growing it when one record fills it) and reads more.
    private func refill() throws {
        let kept = end - position
        if position > 0 {
            bufferStartOffset += Int64(position)
            if kept > 0 { buffer.update(from: buffer + position, count: kept) }
            position = 0
            end = kept
        }
        if end == capacity {
            guard capacity < maximumRecordSize else {
                throw CSVError(
                    .recordTooLarge,
                    "a record is larger than \(maximumRecordSize) bytes; a quote is probably not closed",
                    path: path, line: line)
            }
            let newCapacity = min(capacity * 2, maximumRecordSize)
            let newBuffer = Self.allocateBuffer(capacity: newCapacity)
            newBuffer.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = newBuffer
            capacity = newCapacity
        }
        let count = try source.read(into: buffer + end, count: capacity - end)
        if count == 0 { isAtEndOfInput = true }
        end += count
        bytesRead += Int64(count)
        buffer[end] = 0x0A
    }

    /// Scans one record starting at `recordStart`; `false` when more input is needed to finish it.
    @inline(__always)
    private func scanRecord(from recordStart: Int) throws -> Bool {
        let base = buffer
        let end = self.end
        let isAtEnd = isAtEndOfInput
        let delimiter = dialect.delimiter
        let quote = dialect.quote
        let transcodes = dialect.encoding != .utf8
        var p = recordStart
        var fieldCount = 0
        var extraLines = 0
        var starts = self.starts
        var lengths = self.lengths
        var fieldCapacity = self.fieldCapacity
        scratchCount = 0
        // Where the next delimiter or line break is, found 64 bytes at a time: bit i of `terminators` is set when
        // base[terminatorsStart + i] is one. The sentinel line feed at `end` stops every search.
        var terminatorsStart = Int.min / 2
        var terminators: UInt64 = 0
        @inline(__always) func nextTerminator(from position: Int) -> Int {
            var skipped = position &- terminatorsStart
            if skipped < 0 || skipped >= 64 {
                terminatorsStart = position
                terminators = segpipe_match_mask64(base + position, delimiter, 0x0A, 0x0D)
                skipped = 0
            }
            var bits = terminators >> UInt64(skipped)
            while bits == 0 {
                terminatorsStart &+= 64
                terminators = segpipe_match_mask64(base + terminatorsStart, delimiter, 0x0A, 0x0D)
                bits = terminators
                skipped = 0
            }
            return terminatorsStart &+ skipped &+ bits.trailingZeroBitCount
        }

        while true {
            if fieldCount == fieldCapacity {
                growFields()
                (starts, lengths, fieldCapacity) = (self.starts, self.lengths, self.fieldCapacity)
            }
            if p < end && base[p] == quote {
                p += 1
                let contentStart = p
                var contentEnd = p
                var hasDoubledQuotes = false
                while true {
                    var byte = base[p]
                    while byte != quote && byte != 0x0A && byte != 0x0D {
                        p += 1
                        byte = base[p]
                    }
                    if p >= end {
                        if !isAtEnd { return false }
                        throw CSVError(
                            .unterminatedQuote,
                            "a quoted field opened on this line is never closed; "
                                + "double every quote inside quoted fields (\"\")",
                            path: path, line: line)
                    }
                    if byte == quote {
                        if p + 1 >= end && !isAtEnd { return false }
                        if p + 1 < end && base[p + 1] == quote {
                            hasDoubledQuotes = true
                            p += 2
                            continue
                        }
                        contentEnd = p
                        p += 1
                        break
                    }
                    if byte == 0x0D && p + 1 >= end && !isAtEnd { return false }
                    extraLines += 1
                    p += (byte == 0x0D && p + 1 < end && base[p + 1] == 0x0A) ? 2 : 1
                }
                var byte = base[p]
                if p < end && byte != delimiter && byte != 0x0A && byte != 0x0D {
                    let strayStart = p
                    while byte != delimiter && byte != 0x0A && byte != 0x0D {
                        p += 1
                        byte = base[p]
                    }
                    if p >= end && !isAtEnd { return false }
                    let offset = scratchCount
                    appendToScratch(from: contentStart, to: contentEnd, undoDoubledQuotes: hasDoubledQuotes)
                    appendToScratch(from: strayStart, to: p, undoDoubledQuotes: false)
                    starts[fieldCount] = -1 - offset
                    lengths[fieldCount] = scratchCount - offset
                } else if hasDoubledQuotes
                    || (transcodes && CSVText.containsNonASCII(base + contentStart, count: contentEnd - contentStart))
                {
                    let offset = scratchCount
                    appendToScratch(from: contentStart, to: contentEnd, undoDoubledQuotes: hasDoubledQuotes)
                    starts[fieldCount] = -1 - offset
                    lengths[fieldCount] = scratchCount - offset
                } else {
                    starts[fieldCount] = contentStart
                    lengths[fieldCount] = contentEnd - contentStart
                }
            } else {
                let fieldStart = p
                p = nextTerminator(from: p)
                if p >= end && !isAtEnd { return false }
                if transcodes && CSVText.containsNonASCII(base + fieldStart, count: p - fieldStart) {
                    let offset = scratchCount
                    appendToScratch(from: fieldStart, to: p, undoDoubledQuotes: false)
                    starts[fieldCount] = -1 - offset
                    lengths[fieldCount] = scratchCount - offset
                } else {
                    starts[fieldCount] = fieldStart
                    lengths[fieldCount] = p - fieldStart
                }
            }
            fieldCount += 1
            if p >= end {
                scannedRawEnd = p
                scannedNext = p
                break
            }
            let terminator = base[p]
            if terminator == delimiter {
                p += 1
                continue
            }
            scannedRawEnd = p
            if terminator == 0x0A {
                scannedNext = p + 1
            } else {
                if p + 1 >= end && !isAtEnd { return false }
                scannedNext = (p + 1 < end && base[p + 1] == 0x0A) ? p + 2 : p + 1
            }
            break
        }
        scannedFieldCount = fieldCount
        scannedExtraLines = extraLines
        return true
    }

    /// Copies buffer bytes `start..<end` to the scratch area, undoing doubled quotes and converting to UTF-8.
    private func appendToScratch(from start: Int, to end: Int, undoDoubledQuotes: Bool) {
        let needed = scratchCount + (end - start) * CSVText.maximumExpansion(dialect.encoding)
        if needed > scratchCapacity {
            var newCapacity = scratchCapacity * 2
            while newCapacity < needed { newCapacity *= 2 }
            let newScratch = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            newScratch.update(from: scratch, count: scratchCount)
            scratch.deallocate()
            scratch = newScratch
            scratchCapacity = newCapacity
        }
        let quote = dialect.quote
        let encoding = dialect.encoding
        var out = scratchCount
        var index = start
        while index < end {
            let byte = buffer[index]
            index += 1
            if undoDoubledQuotes && byte == quote {
                index += 1
            }
            if byte < 0x80 || encoding == .utf8 {
                scratch[out] = byte
                out += 1
            } else {
                out += CSVText.writeUTF8(ofHighByte: byte, encoding: encoding, to: scratch + out)
            }
        }
        scratchCount = out
    }

    private func growFields() {
        let newCapacity = fieldCapacity * 2
        let newStarts = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        let newLengths = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        newStarts.update(from: starts, count: fieldCapacity)
        newLengths.update(from: lengths, count: fieldCapacity)
        starts.deallocate()
        lengths.deallocate()
        starts = newStarts
        lengths = newLengths
        fieldCapacity = newCapacity
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, and line breaks.
    fileprivate func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
