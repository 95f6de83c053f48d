import Columnar

/// Turns rows of text fields into a typed canonical table, rejecting rows that cannot be used.
///
/// Every field of a row is parsed before anything is appended, so a rejected row leaves no partial values.
/// Text values are copied into one reusable scratch buffer during parsing: no allocation per row.
struct TypedTableBuilder {
    let schema: CanonicalSchema.TableSchema
    /// Source field index of each canonical field, or nil when the source lacks the (optional) column.
    let positions: [Int?]
    let dateFormat: DateFormat
    let decimalStyle: DecimalStyle

    private var builders: [ColumnBuilder]
    private var lines: [Int64] = []
    private var doubles: [Double]
    private var integers: [Int64]
    private var isNull: [Bool]
    private var textStart: [Int]
    private var textEnd: [Int]
    private var textScratch: [UInt8] = []

    init(schema: CanonicalSchema.TableSchema, positions: [Int?], dateFormat: DateFormat, decimalStyle: DecimalStyle) {
        self.schema = schema
        self.positions = positions
        self.dateFormat = dateFormat
        self.decimalStyle = decimalStyle
        builders = schema.fields.map { ColumnBuilder(name: $0.name, type: $0.kind.columnType, capacity: 1024) }
        let count = schema.fields.count
        doubles = Array(repeating: 0, count: count)
        integers = Array(repeating: 0, count: count)
        isNull = Array(repeating: true, count: count)
        textStart = Array(repeating: 0, count: count)
        textEnd = Array(repeating: 0, count: count)
        textScratch.reserveCapacity(4096)
    }

    /// Number of rows appended so far.
    var rowCount: Int { lines.count }

    /// Parses and appends one row; returns `(field, reason)` when the row is rejected instead.
    mutating func append(_ row: some FieldSource, line: Int64) -> (field: String, reason: String)? {
        textScratch.removeAll(keepingCapacity: true)
        for (index, field) in schema.fields.enumerated() {
            isNull[index] = true
            guard let position = positions[index] else { continue }
            let failure: String? = row.withField(position) { raw -> String? in
                guard let raw else { return field.isRequired ? "missing \(field.name): the value is NULL" : nil }
                let bytes = Self.trimmed(raw)
                if bytes.isEmpty { return field.isRequired ? "missing \(field.name): the field is empty" : nil }
                switch field.kind {
                case .text:
                    textStart[index] = textScratch.count
                    textScratch.append(contentsOf: bytes)
                    textEnd[index] = textScratch.count
                case .decimal:
                    guard let value = ValueParser.decimal(bytes, style: decimalStyle) else {
                        return "unparseable \(field.name): \"\(Self.text(bytes))\" is not a decimal "
                            + "(expected 1234.56 or 1.234,56)"
                    }
                    doubles[index] = value
                case .integer:
                    guard let value = ValueParser.integer(bytes) else {
                        return "unparseable \(field.name): \"\(Self.text(bytes))\" is not a whole number"
                    }
                    integers[index] = value
                case .date:
                    guard let value = ValueParser.date(bytes, format: dateFormat) else {
                        return "unparseable \(field.name): \"\(Self.text(bytes))\" is not a date "
                            + "(expected yyyy-MM-dd, dd.MM.yyyy or MM/dd/yyyy)"
                    }
                    integers[index] = Int64(value)
                case .timestamp:
                    guard let value = ValueParser.timestamp(bytes, format: dateFormat) else {
                        return "unparseable \(field.name): \"\(Self.text(bytes))\" is not a timestamp "
                            + "(expected yyyy-MM-ddTHH:mm:ss[Z|±HH:MM] or a date)"
                    }
                    integers[index] = value
                }
                isNull[index] = false
                return nil
            }
            if let failure { return (field.name, failure) }
        }
        textScratch.withUnsafeBufferPointer { scratch in
            for (index, field) in schema.fields.enumerated() {
                if isNull[index] {
                    builders[index].appendNull()
                    continue
                }
                switch field.kind {
                case .text: builders[index].append(utf8: UnsafeBufferPointer(rebasing: scratch[textStart[index]..<textEnd[index]]))
                case .decimal: builders[index].append(doubles[index])
                case .integer: builders[index].append(integers[index])
                case .date: builders[index].append(date: Int32(truncatingIfNeeded: integers[index]))
                case .timestamp: builders[index].append(timestamp: integers[index])
                }
            }
        }
        lines.append(line)
        return nil
    }

    /// The columns built so far, with the `source_line` column.
    func columns() -> [Column] {
        builders.map { $0.build() } + [Column(name: CanonicalSchema.lineColumn, values: .int64(lines))]
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
