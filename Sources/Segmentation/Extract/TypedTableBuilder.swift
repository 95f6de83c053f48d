import Columnar

/// Turns rows of text fields into a typed canonical table, rejecting rows that cannot be used.
///
/// Every field of a row is parsed before anything is appended, so a rejected row leaves no partial values.
/// Values go straight into plain typed arrays per column (no enum repacking, no per-row allocation); the
/// columns are assembled once at the end.
struct TypedTableBuilder {
    let schema: CanonicalSchema.TableSchema
    /// Source field index of each canonical field, or nil when the source lacks the (optional) column.
    let positions: [Int?]
    let dateFormat: DateFormat
    let decimalStyle: DecimalStyle

    /// Per column: its kind, whether it is required, and its slot in the storage of that kind.
    private let kinds: [CanonicalSchema.FieldKind]
    private let required: [Bool]
    private let slots: [Int]

    private var texts: [StringColumn]
    private var doubles: [[Double]]
    private var integers: [[Int64]]
    private var dates: [[Int32]]
    private var validity: [[Bool]]
    private var lines: [Int64] = []

    // Per-row scratch, reused.
    private var parsedDouble: [Double]
    private var parsedInteger: [Int64]
    private var isNull: [Bool]

    init(
        schema: CanonicalSchema.TableSchema, positions: [Int?], dateFormat: DateFormat, decimalStyle: DecimalStyle,
        expectedRows: Int = 1024
    ) {
        self.schema = schema
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
        texts = (0..<textCount).map { _ in StringColumn(capacity: rows, byteCapacity: rows * 8) }
        doubles = (0..<doubleCount).map { _ in Array(capacity: rows) }
        integers = (0..<integerCount).map { _ in Array(capacity: rows) }
        dates = (0..<dateCount).map { _ in Array(capacity: rows) }
        validity = schema.fields.map { _ in Array(capacity: rows) }
        lines.reserveCapacity(rows)
        parsedDouble = Array(repeating: 0, count: schema.fields.count)
        parsedInteger = Array(repeating: 0, count: schema.fields.count)
        isNull = Array(repeating: true, count: schema.fields.count)
    }

    /// Number of rows appended so far.
    var rowCount: Int { lines.count }

    /// Parses and appends one row; returns `(field, reason)` when the row is rejected instead.
    mutating func append(_ row: some FieldSource, line: Int64) -> (field: String, reason: String)? {
        for index in 0..<kinds.count {
            isNull[index] = true
            guard let position = positions[index] else { continue }
            let kind = kinds[index]
            let failure: String? = row.withField(position) { raw -> String? in
                guard let raw else { return required[index] ? "the value is NULL" : nil }
                let bytes = Self.trimmed(raw)
                if bytes.isEmpty { return required[index] ? "the field is empty" : nil }
                switch kind {
                case .text:
                    break
                case .decimal:
                    guard let value = ValueParser.decimal(bytes, style: decimalStyle) else {
                        return "\"\(Self.text(bytes))\" is not a decimal (expected 1234.56 or 1.234,56)"
                    }
                    parsedDouble[index] = value
                case .integer:
                    guard let value = ValueParser.integer(bytes) else {
                        return "\"\(Self.text(bytes))\" is not a whole number"
                    }
                    parsedInteger[index] = value
                case .date:
                    guard let value = ValueParser.date(bytes, format: dateFormat) else {
                        return "\"\(Self.text(bytes))\" is not a date (expected yyyy-MM-dd, dd.MM.yyyy or MM/dd/yyyy)"
                    }
                    parsedInteger[index] = Int64(value)
                case .timestamp:
                    guard let value = ValueParser.timestamp(bytes, format: dateFormat) else {
                        return "\"\(Self.text(bytes))\" is not a timestamp "
                            + "(expected yyyy-MM-ddTHH:mm:ss[Z|±HH:MM] or a date)"
                    }
                    parsedInteger[index] = value
                }
                isNull[index] = false
                return nil
            }
            if let failure {
                let name = schema.fields[index].name
                let prefix = failure.hasPrefix("the ") ? "missing \(name)" : "unparseable \(name)"
                return (name, "\(prefix): \(failure)")
            }
        }
        for index in 0..<kinds.count {
            let slot = slots[index]
            let present = !isNull[index]
            validity[index].append(present)
            switch kinds[index] {
            case .text:
                if present, let position = positions[index] {
                    row.withField(position) { raw in
                        if let raw { texts[slot].append(utf8: Self.trimmed(raw)) } else { texts[slot].appendEmpty() }
                    }
                } else {
                    texts[slot].appendEmpty()
                }
            case .decimal: doubles[slot].append(present ? parsedDouble[index] : 0)
            case .integer, .timestamp: integers[slot].append(present ? parsedInteger[index] : 0)
            case .date: dates[slot].append(present ? Int32(truncatingIfNeeded: parsedInteger[index]) : 0)
            }
        }
        lines.append(line)
        return nil
    }

    /// The columns built so far, with the `source_line` column.
    func columns() -> [Column] {
        var columns: [Column] = []
        for (index, field) in schema.fields.enumerated() {
            let slot = slots[index]
            let values: ColumnValues
            switch field.kind {
            case .text: values = .utf8(texts[slot])
            case .decimal: values = .float64(doubles[slot])
            case .integer: values = .int64(integers[slot])
            case .timestamp: values = .timestamp(integers[slot])
            case .date: values = .date32(dates[slot])
            }
            let valid = validity[index]
            columns.append(Column(name: field.name, values: values, validity: valid.contains(false) ? valid : nil))
        }
        columns.append(Column(name: CanonicalSchema.lineColumn, values: .int64(lines)))
        return columns
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
