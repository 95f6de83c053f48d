import Columnar

/// Turns rows of text fields into a typed canonical table, rejecting rows that cannot be used.
///
/// Every field of a row is parsed before anything is appended, so a rejected row leaves no partial values.
/// Values go straight into growable typed buffers per column (no enum repacking, no copy-on-write checks, no
/// per-row allocation); the columns are assembled once at the end.
///
/// One builder is filled by one thread at a time; it is handed between threads whole (a part read on one core is
/// written out on another), hence `@unchecked Sendable`. ``reset()`` empties it for reuse, keeping its memory.
final class TypedTableBuilder: @unchecked Sendable {
    let schema: CanonicalSchema.TableSchema
    /// Source field index of each canonical field, or nil when the source lacks the (optional) column.
    let positions: [Int?]
    let dateFormat: DateFormat
    let decimalStyle: DecimalStyle

    /// Per column: its kind, whether it is required, and its slot in the storage of that kind.
    private let kinds: [CanonicalSchema.FieldKind]
    private let required: [Bool]
    private let slots: [Int]

    // Buffers by slot, each array in one allocation so appends mutate them in place.
    private let textCount: Int
    private let doubleCount: Int
    private let integerCount: Int
    private let dateCount: Int
    private let texts: UnsafeMutablePointer<TextBuffer>
    private let doubles: UnsafeMutablePointer<GrowableBuffer<Double>>
    private let integers: UnsafeMutablePointer<GrowableBuffer<Int64>>
    private let dates: UnsafeMutablePointer<GrowableBuffer<Int32>>
    /// Per column: a flag per row, kept only from the first null on (``hasNulls``); until then every row is valid
    /// and nothing is stored.
    private let validity: UnsafeMutablePointer<GrowableBuffer<Bool>>
    private let lines: UnsafeMutablePointer<GrowableBuffer<Int64>>
    /// Per column: whether any appended row is null there (and so whether its ``validity`` flags are kept).
    private let hasNulls: UnsafeMutablePointer<Bool>

    // Per-row scratch, reused: parsed numbers and the trimmed bytes of each field (empty: null).
    private let parsed: UnsafeMutablePointer<Int64>
    private let fieldBytes: UnsafeMutablePointer<UnsafeBufferPointer<UInt8>>

    init(
        schema: CanonicalSchema.TableSchema, positions: [Int?], dateFormat: DateFormat, decimalStyle: DecimalStyle,
        expectedRows: Int = 1024, textByteLimit: Int = TypedTableBuilder.defaultTextByteLimit
    ) {
        precondition(textByteLimit <= Self.defaultTextByteLimit, "32-bit text offsets could overflow")
        self.schema = schema
        self.textByteLimit = textByteLimit
        self.positions = positions
        self.dateFormat = dateFormat
        self.decimalStyle = decimalStyle
        kinds = schema.fields.map(\.kind)
        required = schema.fields.map(\.isRequired)
        var slots: [Int] = []
        var textCount = 0
        var doubleCount = 0
        var integerCount = 0
        var dateCount = 0
        for field in schema.fields {
            switch field.kind {
            case .text:
                slots.append(textCount)
                textCount += 1
            case .decimal:
                slots.append(doubleCount)
                doubleCount += 1
            case .integer, .timestamp:
                slots.append(integerCount)
                integerCount += 1
            case .date:
                slots.append(dateCount)
                dateCount += 1
            }
        }
        self.slots = slots
        let rows = max(expectedRows, 16)
        (self.textCount, self.doubleCount, self.integerCount, self.dateCount) =
            (textCount, doubleCount, integerCount, dateCount)
        texts = allocateBuffers((0..<textCount).map { _ in TextBuffer(capacity: rows, byteCapacity: rows * 8) })
        doubles = allocateBuffers((0..<doubleCount).map { _ in GrowableBuffer(capacity: rows) })
        integers = allocateBuffers((0..<integerCount).map { _ in GrowableBuffer(capacity: rows) })
        dates = allocateBuffers((0..<dateCount).map { _ in GrowableBuffer(capacity: rows) })
        validity = allocateBuffers(schema.fields.map { _ in GrowableBuffer<Bool>(capacity: 16) })
        lines = allocateBuffers([GrowableBuffer(capacity: rows)])
        hasNulls = .allocate(capacity: max(schema.fields.count, 1))
        hasNulls.initialize(repeating: false, count: max(schema.fields.count, 1))
        let count = max(schema.fields.count, 1)
        parsed = .allocate(capacity: count)
        parsed.initialize(repeating: 0, count: count)
        fieldBytes = .allocate(capacity: count)
        fieldBytes.initialize(repeating: UnsafeBufferPointer(start: nil, count: 0), count: count)
    }

    deinit {
        parsed.deallocate()
        fieldBytes.deallocate()
        for slot in 0..<textCount { texts[slot].release() }
        for slot in 0..<doubleCount { doubles[slot].release() }
        for slot in 0..<integerCount { integers[slot].release() }
        for slot in 0..<dateCount { dates[slot].release() }
        for index in 0..<kinds.count { validity[index].release() }
        lines.pointee.release()
        lines.deallocate()
        hasNulls.deallocate()
        texts.deallocate()
        doubles.deallocate()
        integers.deallocate()
        dates.deallocate()
        validity.deallocate()
    }

    /// Number of rows appended so far.
    var rowCount: Int { lines.pointee.count }

    /// The text columns coded by ``codeText(_:)``, by column index (emptied by ``reset()``).
    private(set) var textCodes: [Int: TextCodes] = [:]

    /// Codes the rows appended so far of the text columns named in `names` over their distinct values (see
    /// ``TextCodes``), kept beside the text: extract codes a part on the thread that parsed it, and the thread writing
    /// the parts in order then maps only each part's distinct values (``SourceSink``).
    func codeText(_ names: Set<String>) {
        for (index, field) in schema.fields.enumerated() where names.contains(field.name) && kinds[index] == .text {
            let text = texts[slots[index]]
            let interner = StringInterner(capacity: 64)
            var values = StringColumn()
            let count = rowCount
            let codes = [Int32](unsafeUninitializedCapacity: count) { codes, initialized in
                if let base = codes.baseAddress {
                    TextCodes.code(
                        text.offsetsView, UnsafeRawBufferPointer(text.bytesView),
                        validity: hasNulls[index] ? validity[index].view : nil, rowCount: count, interner: interner,
                        values: &values, into: base)
                }
                initialized = count
            }
            textCodes[index] = TextCodes(codes: codes, values: values)
        }
    }

    /// The text bytes a builder holds per column before it must be handed on and emptied: its 32-bit offsets
    /// stay exact as long as one more row cannot pass `Int32.max` (a CSV record is at most
    /// ``CSVReader/defaultMaximumRecordSize`` bytes, three times that once converted from Windows-1252 or Latin-1;
    /// a PostgreSQL value is below 1 GiB).
    static let defaultTextByteLimit = 1 << 30

    /// This builder's text limit (``defaultTextByteLimit``; smaller in tests).
    let textByteLimit: Int

    /// Whether some text column holds ``textByteLimit`` bytes or more: the caller hands the rows on and calls
    /// ``reset()`` before appending again.
    var isFull: Bool {
        for slot in 0..<textCount where texts[slot].byteCount >= textByteLimit { return true }
        return false
    }

    /// Parses and appends one row; returns `(field, reason)` when the row is rejected instead.
    func append(_ row: some FieldSource, line: Int64) -> (field: String, reason: String)? {
        let fieldCount = kinds.count
        for index in 0..<fieldCount {
            fieldBytes[index] = UnsafeBufferPointer(start: nil, count: 0)
            guard let position = positions[index] else { continue }
            guard let raw = row.bytes(ofField: position) else {
                if required[index] { return rejection(index, "the value is NULL") }
                continue
            }
            let bytes = Self.trimmed(raw)
            if bytes.isEmpty {
                if required[index] { return rejection(index, "the field is empty") }
                continue
            }
            switch kinds[index] {
            case .text:
                break
            case .decimal:
                guard let value = ValueParser.decimal(bytes, style: decimalStyle) else {
                    return rejection(index, "\"\(Self.text(bytes))\" is not a decimal (expected 1234.56 or 1.234,56)")
                }
                parsed[index] = Int64(bitPattern: value.bitPattern)
            case .integer:
                guard let value = ValueParser.integer(bytes) else {
                    return rejection(index, "\"\(Self.text(bytes))\" is not a whole number")
                }
                parsed[index] = value
            case .date:
                guard let value = ValueParser.date(bytes, format: dateFormat) else {
                    return rejection(
                        index,
                        "\"\(Self.text(bytes))\" is not a date (expected yyyy-MM-dd, dd.MM.yyyy or MM/dd/yyyy)")
                }
                parsed[index] = Int64(value)
            case .timestamp:
                guard let value = ValueParser.timestamp(bytes, format: dateFormat) else {
                    return rejection(
                        index,
                        "\"\(Self.text(bytes))\" is not a timestamp "
                            + "(expected yyyy-MM-ddTHH:mm:ss[Z|±HH:MM] or a date)")
                }
                parsed[index] = value
            }
            // The row's buffers stay valid until the next row: the text is copied in the second pass.
            fieldBytes[index] = bytes
        }
        let row = rowCount
        for index in 0..<fieldCount {
            let slot = slots[index]
            let bytes = fieldBytes[index]
            let present = bytes.baseAddress != nil
            if hasNulls[index] {
                validity[index].append(present)
            } else if !present {
                // The column's first null: every row before it was valid.
                validity[index].append(repeating: true, count: row)
                validity[index].append(false)
                hasNulls[index] = true
            }
            switch kinds[index] {
            case .text: texts[slot].append(bytes)
            case .decimal: doubles[slot].append(present ? Double(bitPattern: UInt64(bitPattern: parsed[index])) : 0)
            case .integer, .timestamp: integers[slot].append(present ? parsed[index] : 0)
            case .date: dates[slot].append(present ? Int32(truncatingIfNeeded: parsed[index]) : 0)
            }
        }
        lines.pointee.append(line)
        return nil
    }

    /// The columns built so far, with the `source_line` column.
    func columns() -> [Column] {
        var columns: [Column] = []
        for (index, field) in schema.fields.enumerated() {
            let slot = slots[index]
            let values: ColumnValues
            switch field.kind {
            case .text: values = .utf8(texts[slot].column())
            case .decimal: values = .float64(doubles[slot].array())
            case .integer: values = .int64(integers[slot].array())
            case .timestamp: values = .timestamp(integers[slot].array())
            case .date: values = .date32(dates[slot].array())
            }
            columns.append(
                Column(name: field.name, values: values, validity: hasNulls[index] ? validity[index].array() : nil))
        }
        columns.append(Column(name: CanonicalSchema.lineColumn, values: .int64(lines.pointee.array())))
        return columns
    }

    /// Calls `body` with raw views of the columns built so far (as ``columns()`` orders them), valid during the call:
    /// for writing them out without copying them into arrays first.
    func withBatchColumns<R>(_ body: ([BatchColumn]) throws -> R) rethrows -> R {
        var views: [BatchColumn] = []
        for (index, field) in schema.fields.enumerated() {
            let slot = slots[index]
            let values: BatchColumn.Values
            switch field.kind {
            case .text: values = texts[slot].view
            case .decimal: values = .fixed(UnsafeRawBufferPointer(doubles[slot].view), width: 8)
            case .integer, .timestamp: values = .fixed(UnsafeRawBufferPointer(integers[slot].view), width: 8)
            case .date: values = .fixed(UnsafeRawBufferPointer(dates[slot].view), width: 4)
            }
            views.append(BatchColumn(values: values, validity: hasNulls[index] ? validity[index].view : nil))
        }
        views.append(BatchColumn(values: .fixed(UnsafeRawBufferPointer(lines.pointee.view), width: 8)))
        return try body(views)
    }

    /// Column `index` (as ``columns()`` orders them; the last is `source_line`) of `builders` joined in order into
    /// one column, copied once straight from their buffers.
    static func joinedColumn(_ index: Int, of builders: [TypedTableBuilder]) -> Column {
        guard let first = builders.first else { preconditionFailure("no builders to join") }
        let rows = builders.reduce(0) { $0 + $1.rowCount }
        guard index < first.kinds.count else {
            return Column(
                name: CanonicalSchema.lineColumn, values: .int64(joined(rows, builders.map { $0.lines.pointee.view })))
        }
        let slot = first.slots[index]
        let values: ColumnValues
        switch first.kinds[index] {
        case .text:
            values = .utf8(joinedText(rows, builders.map { $0.texts[slot] }))
        case .decimal: values = .float64(joined(rows, builders.map { $0.doubles[slot].view }))
        case .integer: values = .int64(joined(rows, builders.map { $0.integers[slot].view }))
        case .timestamp: values = .timestamp(joined(rows, builders.map { $0.integers[slot].view }))
        case .date: values = .date32(joined(rows, builders.map { $0.dates[slot].view }))
        }
        var validity: [Bool]?
        if builders.contains(where: { $0.hasNulls[index] }) {
            validity = [Bool](unsafeUninitializedCapacity: rows) { flags, count in
                var at = 0
                for builder in builders {
                    let part = UnsafeMutableBufferPointer(rebasing: flags[at..<(at + builder.rowCount)])
                    if builder.hasNulls[index] {
                        _ = part.initialize(fromContentsOf: builder.validity[index].view)
                    } else {
                        part.initialize(repeating: true)
                    }
                    at += builder.rowCount
                }
                count = rows
            }
        }
        return Column(name: first.schema.fields[index].name, values: values, validity: validity)
    }

    private static func joined<Element: BitwiseCopyable>(_ rows: Int, _ parts: [UnsafeBufferPointer<Element>])
        -> [Element]
    {
        [Element](unsafeUninitializedCapacity: rows) { values, count in
            var at = 0
            for part in parts {
                let target = UnsafeMutableBufferPointer(rebasing: values[at..<(at + part.count)])
                _ = target.initialize(fromContentsOf: part)
                at += part.count
            }
            count = rows
        }
    }

    private static func joinedText(_ rows: Int, _ parts: [TextBuffer]) -> StringColumn {
        let byteCount = parts.reduce(0) { $0 + $1.byteCount }
        let bytes = joined(byteCount, parts.map(\.bytesView))
        let offsets = [Int](unsafeUninitializedCapacity: rows + 1) { offsets, count in
            offsets[0] = 0
            var at = 1
            var base = 0
            for part in parts {
                let ends = part.offsetsView
                for index in 1..<ends.count { offsets[at + index - 1] = base + Int(ends[index]) }
                at += ends.count - 1
                base += part.byteCount
            }
            count = rows + 1
        }
        return StringColumn(offsets: offsets, bytes: bytes)
    }

    /// Frees the storage of canonical column `index`, once ``joinedColumn(_:of:)`` has copied it: the builder must
    /// not be used for rows again. The line numbers (which give ``rowCount``) stay until the builder is released, so
    /// other columns can be joined at the same time on other threads.
    func releaseColumn(_ index: Int) {
        guard index < kinds.count else { return }
        let slot = slots[index]
        validity[index].release()
        validity[index] = GrowableBuffer(capacity: 0)
        switch kinds[index] {
        case .text:
            texts[slot].release()
            texts[slot] = TextBuffer(capacity: 0, byteCapacity: 0)
        case .decimal:
            doubles[slot].release()
            doubles[slot] = GrowableBuffer(capacity: 0)
        case .integer, .timestamp:
            integers[slot].release()
            integers[slot] = GrowableBuffer(capacity: 0)
        case .date:
            dates[slot].release()
            dates[slot] = GrowableBuffer(capacity: 0)
        }
    }

    /// Adds `offset` to every line number (of a part read from the middle of a file).
    func shiftLines(by offset: Int64) {
        lines.pointee.update { $0 += offset }
    }

    /// Removes every row, keeping the allocated memory for the next ones.
    func reset() {
        for slot in 0..<textCount { texts[slot].removeAll() }
        for slot in 0..<doubleCount { doubles[slot].removeAll() }
        for slot in 0..<integerCount { integers[slot].removeAll() }
        for slot in 0..<dateCount { dates[slot].removeAll() }
        for index in 0..<kinds.count {
            validity[index].removeAll()
            hasNulls[index] = false
        }
        lines.pointee.removeAll()
        textCodes = [:]
    }

    /// The field and reason for rejecting a row at column `index`: "missing <name>: the …" for an absent required
    /// value, "unparseable <name>: …" for one that does not parse.
    private func rejection(_ index: Int, _ failure: String) -> (field: String, reason: String) {
        let name = schema.fields[index].name
        let prefix = failure.hasPrefix("the ") ? "missing \(name)" : "unparseable \(name)"
        return (name, "\(prefix): \(failure)")
    }

    /// The bytes without leading and trailing ASCII spaces and tabs.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    private static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// Plain values appended to one growing allocation. A value type holding a raw pointer: no reference counting
/// and no copy-on-write check per append. Whoever creates one calls ``release()`` once.
struct GrowableBuffer<Element: BitwiseCopyable> {
    private var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func release() { base.deallocate() }

    @inline(__always)
    mutating func append(_ value: Element) {
        if count == capacity { grow(to: count + 1) }
        base[count] = value
        count += 1
    }

    /// Appends `value` `count` times.
    mutating func append(repeating value: Element, count added: Int) {
        guard added > 0 else { return }
        if count + added > capacity { grow(to: count + added) }
        (base + count).initialize(repeating: value, count: added)
        count += added
    }

    /// Appends `values` (a nil base address appends nothing).
    @inline(__always)
    mutating func append(contentsOf values: UnsafeBufferPointer<Element>) {
        guard let source = values.baseAddress, !values.isEmpty else { return }
        if count + values.count > capacity { grow(to: count + values.count) }
        (base + count).initialize(from: source, count: values.count)
        count += values.count
    }

    private mutating func grow(to minimum: Int) {
        let newCapacity = max(minimum, capacity * 2)
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// A copy of the values as an array.
    func array() -> [Element] {
        Array(view)
    }

    /// The values, valid until the next append or ``release()``.
    var view: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    /// Applies `change` to every value in place.
    func update(_ change: (inout Element) -> Void) {
        for index in 0..<count { change(&base[index]) }
    }

    /// Forgets the values, keeping the memory.
    mutating func removeAll() { count = 0 }
}

/// Strings appended as UTF-8 bytes and 32-bit end offsets (the layout of an Arrow `utf8` column, written out as
/// they are), assembled into a ``StringColumn`` at the end. Holds less than 2 GiB of bytes: the builder is emptied
/// at ``TypedTableBuilder/textByteLimit``. Like ``GrowableBuffer``, released once with ``release()``.
struct TextBuffer {
    private var offsets: GrowableBuffer<Int32>
    private var bytes: GrowableBuffer<UInt8>

    /// Bytes of all strings appended so far.
    var byteCount: Int { bytes.count }

    init(capacity: Int, byteCapacity: Int) {
        offsets = GrowableBuffer(capacity: capacity + 1)
        offsets.append(0)
        bytes = GrowableBuffer(capacity: byteCapacity)
    }

    func release() {
        offsets.release()
        bytes.release()
    }

    @inline(__always)
    mutating func append(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: utf8)
        // Checked: past 2 GiB this traps instead of writing wrong offsets (the builder's text limit keeps it below).
        offsets.append(Int32(bytes.count))
    }

    func column() -> StringColumn {
        StringColumn(offsets: offsets.view.map { Int($0) }, bytes: bytes.array())
    }

    /// The strings as raw buffers, valid until the next append or ``release()``.
    var view: BatchColumn.Values {
        .compactUTF8(offsets: offsets.view, bytes: UnsafeRawBufferPointer(bytes.view))
    }

    /// The end offsets (one more than strings, starting at 0) and the bytes, valid until the next append or
    /// ``release()``.
    var offsetsView: UnsafeBufferPointer<Int32> { offsets.view }
    var bytesView: UnsafeBufferPointer<UInt8> { bytes.view }

    /// Forgets the strings, keeping the memory.
    mutating func removeAll() {
        offsets.removeAll()
        offsets.append(0)
        bytes.removeAll()
    }
}

/// A fixed number of buffers in one allocation, mutated in place through the pointer.
private func allocateBuffers<Buffer>(_ buffers: [Buffer]) -> UnsafeMutablePointer<Buffer> {
    let pointer = UnsafeMutablePointer<Buffer>.allocate(capacity: max(buffers.count, 1))
    pointer.initialize(from: buffers, count: buffers.count)
    return pointer
}
