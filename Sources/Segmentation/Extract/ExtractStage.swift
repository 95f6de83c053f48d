import Columnar
import Foundation
import Logging

/// Reads the pipeline's CSV sources into typed canonical tables; rows that cannot be read become rejects.
///
/// Headers are matched to canonical names ignoring case and surrounding whitespace; a missing required column
/// is a configuration error naming the file and the columns found. Row-level problems (wrong field count,
/// invalid UTF-8, a missing required value, an unparseable date or number) reject the row with its line and
/// raw text and reading goes on; structural problems (unterminated quote, no header) stop the stage.
/// Every table gets a `source_line` column so later stages can point back at the file.
struct ExtractStage {
    let context: StageContext

    func run() throws(PipelineError) -> StageOutput {
        let sources = context.configuration.sources
        var rejects: [Reject] = []
        var metrics: [String: JSONValue] = [:]
        var tables: [(name: String, table: Table)] = []
        let list: [(CanonicalSchema.TableSchema, PipelineConfiguration.Source?)] = [
            (CanonicalSchema.customers, sources.customers), (CanonicalSchema.orders, sources.orders),
            (CanonicalSchema.emailEvents, sources.emailEvents),
        ]
        for (schema, source) in list {
            let before = rejects.count
            let table: Table
            if let source {
                table = try extract(source, schema: schema, rejects: &rejects, metrics: &metrics)
            } else {
                table = try Self.emptyTable(schema)
                metrics["source.\(schema.name)"] = .string("not configured")
            }
            metrics["rows_extracted.\(schema.name)"] = .int(Int64(table.rowCount))
            metrics["rows_rejected.\(schema.name)"] = .int(Int64(rejects.count - before))
            tables.append((schema.name, table))
        }
        metrics["rows_rejected"] = .int(Int64(rejects.count))
        metrics["rejects_by_reason"] = RejectTable.countsByReason(rejects)
        tables.append(("rejects", RejectTable.make(rejects)))
        return StageOutput(tables: tables, metrics: metrics)
    }

    /// The absolute or data-folder-relative path of a source.
    private func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: context.dataDirectory).appendingPathComponent(path).path
    }

    private func extract(
        _ source: PipelineConfiguration.Source, schema: CanonicalSchema.TableSchema, rejects: inout [Reject],
        metrics: inout [String: JSONValue]
    ) throws(PipelineError) -> Table {
        let path = resolve(source.path)
        guard FileManager.default.fileExists(atPath: path) else {
            if source.required {
                throw PipelineError(.input, "source \(schema.name): file \(path) does not exist")
            }
            context.logger.info("optional source missing", metadata: ["source": "\(schema.name)", "path": "\(path)"])
            metrics["source.\(schema.name)"] = .string("missing (optional)")
            return try Self.emptyTable(schema)
        }
        let dialect = CSVDialect(
            delimiter: CSVDialect.delimiterByte(named: source.delimiter) ?? UInt8(ascii: ","),
            encoding: CSVEncoding(name: source.encoding) ?? .utf8)
        do {
            let reader = try CSVReader(path: path, dialect: dialect)
            let table = try read(reader, source: source, schema: schema, rejects: &rejects)
            metrics["bytes_read.\(schema.name)"] = .int(reader.bytesRead)
            return table
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(.input, "source \(schema.name) cannot be read", underlying: error)
        }
    }

    private func read(
        _ reader: CSVReader, source: PipelineConfiguration.Source, schema: CanonicalSchema.TableSchema,
        rejects: inout [Reject]
    ) throws -> Table {
        let normalisedHeader = reader.header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let positions = schema.fields.map { normalisedHeader.firstIndex(of: $0.name) }
        let missing = zip(schema.fields, positions).filter { $0.0.isRequired && $0.1 == nil }.map(\.0.name)
        guard missing.isEmpty else {
            throw PipelineError(
                .configuration,
                "\(source.path): missing required column(s) \(missing.joined(separator: ", ")) for \(schema.name) "
                    + "(columns found: \(reader.header.joined(separator: ", ")))")
        }
        let expectedFields = reader.header.count
        var builders = schema.fields.map { ColumnBuilder(name: $0.name, type: $0.kind.columnType, capacity: 1024) }
        var lines: [Int64] = []
        var doubles = [Double](repeating: 0, count: schema.fields.count)
        var integers = [Int64](repeating: 0, count: schema.fields.count)
        var isNull = [Bool](repeating: false, count: schema.fields.count)

        try reader.forEachRecord { record in
            func reject(_ field: String, _ reason: String) {
                rejects.append(
                    Reject(
                        stage: "extract", table: schema.name, file: source.path, line: Int64(record.lineNumber),
                        field: field, reason: reason, raw: record.rawLineText()))
            }
            guard record.fieldCount == expectedFields else {
                reject("", "wrong field count: expected \(expectedFields) fields, found \(record.fieldCount)")
                return
            }
            guard record.isValidUTF8 else {
                reject("", "invalid UTF-8: the line is not valid UTF-8 (is sources.\(schema.name).encoding right?)")
                return
            }
            // Parse every field first, so a rejected row leaves no partial values behind.
            for (index, field) in schema.fields.enumerated() {
                isNull[index] = true
                guard let position = positions[index] else { continue }
                let bytes = Self.trimmed(record.field(position))
                if bytes.isEmpty {
                    if field.isRequired {
                        reject(field.name, "missing \(field.name): the field is empty")
                        return
                    }
                    continue
                }
                isNull[index] = false
                switch field.kind {
                case .text:
                    break
                case .decimal:
                    guard let value = ValueParser.decimal(bytes) else {
                        reject(
                            field.name,
                            "unparseable \(field.name): \"\(String(decoding: bytes, as: UTF8.self))\" is not a decimal (expected 1234.56 or 1.234,56)"
                        )
                        return
                    }
                    doubles[index] = value
                case .integer:
                    guard let value = ValueParser.integer(bytes) else {
                        reject(
                            field.name,
                            "unparseable \(field.name): \"\(String(decoding: bytes, as: UTF8.self))\" is not a whole number"
                        )
                        return
                    }
                    integers[index] = value
                case .date:
                    guard let value = ValueParser.date(bytes) else {
                        reject(
                            field.name,
                            "unparseable \(field.name): \"\(String(decoding: bytes, as: UTF8.self))\" is not a date (expected yyyy-MM-dd, dd.MM.yyyy or MM/dd/yyyy)"
                        )
                        return
                    }
                    integers[index] = Int64(value)
                case .timestamp:
                    guard let value = ValueParser.timestamp(bytes) else {
                        reject(
                            field.name,
                            "unparseable \(field.name): \"\(String(decoding: bytes, as: UTF8.self))\" is not a timestamp (expected yyyy-MM-ddTHH:mm:ss[Z|±HH:MM] or a date)"
                        )
                        return
                    }
                    integers[index] = value
                }
            }
            for (index, field) in schema.fields.enumerated() {
                if isNull[index] {
                    builders[index].appendNull()
                    continue
                }
                switch field.kind {
                case .text:
                    // A present text field always has a header position.
                    builders[index].append(utf8: Self.trimmed(record.field(positions[index] ?? 0)))
                case .decimal: builders[index].append(doubles[index])
                case .integer: builders[index].append(integers[index])
                case .date: builders[index].append(date: Int32(truncatingIfNeeded: integers[index]))
                case .timestamp: builders[index].append(timestamp: integers[index])
                }
            }
            lines.append(Int64(record.lineNumber))
        }
        var columns = builders.map { $0.build() }
        columns.append(Column(name: CanonicalSchema.lineColumn, values: .int64(lines)))
        return try Table(columns: columns)
    }

    /// The bytes without leading and trailing ASCII spaces and tabs.
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// An empty table with the canonical columns of `schema`.
    static func emptyTable(_ schema: CanonicalSchema.TableSchema) throws(PipelineError) -> Table {
        var columns = schema.fields.map { ColumnBuilder(name: $0.name, type: $0.kind.columnType).build() }
        columns.append(Column(name: CanonicalSchema.lineColumn, values: .int64([])))
        do {
            return try Table(columns: columns)
        } catch {
            throw PipelineError(.internal, "cannot build the empty \(schema.name) table", underlying: error)
        }
    }
}
