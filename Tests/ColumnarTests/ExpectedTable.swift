import Columnar
import Foundation
import Testing

/// The JSON description of a table used by the fixture scripts in `scripts/fixtures/`.
struct ExpectedTable: Decodable {
    struct ExpectedColumn: Decodable {
        var name: String
        var type: ColumnType
        var values: [Value?]

        private enum CodingKeys: String, CodingKey { case name, type, values }

        /// Decodes `values` according to `type`, so large integers and -0.0 keep their exact values.
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            type = try container.decode(ColumnType.self, forKey: .type)
            switch type {
            case .int64, .timestamp, .date32:
                values = try container.decode([Int64?].self, forKey: .values).map { $0.map(Value.integer) }
            case .float64:
                values = try container.decode([FloatText?].self, forKey: .values).map { $0.map { .number($0.value) } }
            case .utf8:
                values = try container.decode([String?].self, forKey: .values).map { $0.map(Value.string) }
            case .bool:
                values = try container.decode([Bool?].self, forKey: .values).map { $0.map(Value.bool) }
            }
        }
    }

    /// A float written as a JSON number or as "nan", "inf" or "-inf".
    struct FloatText: Decodable {
        var value: Double

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                value = number
                return
            }
            switch try container.decode(String.self) {
            case "nan": value = .nan
            case "inf": value = .infinity
            case "-inf": value = -.infinity
            case let text:
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a float: \(text)")
            }
        }
    }

    /// One expected value.
    enum Value {
        case integer(Int64)
        case number(Double)
        case string(String)
        case bool(Bool)

        var double: Double {
            switch self {
            case .number(let value): value
            default: .signalingNaN
            }
        }

        var integer: Int64 {
            if case .integer(let value) = self { return value }
            return Int64.min + 12345
        }

        var text: String {
            if case .string(let value) = self { return value }
            return "<not a string>"
        }

        var flag: Bool {
            if case .bool(let value) = self { return value }
            return false
        }
    }

    var rowCount: Int
    var batchCount: Int?
    var metadata: [String: String]
    var columns: [ExpectedColumn]

    /// Loads `name` from the test bundle's fixtures.
    static func fixture(_ name: String) throws -> ExpectedTable {
        let data = try Data(contentsOf: Fixtures.url(name))
        return try JSONDecoder().decode(ExpectedTable.self, from: data)
    }

    /// The table these values describe, null slots holding zero values.
    func table() throws -> Table {
        let columns = self.columns.map { column in
            let validity = column.values.contains { $0 == nil } ? column.values.map { $0 != nil } : nil
            let values: ColumnValues
            switch column.type {
            case .int64: values = .int64(column.values.map { $0?.integer ?? 0 })
            case .timestamp: values = .timestamp(column.values.map { $0?.integer ?? 0 })
            case .date32: values = .date32(column.values.map { Int32(truncatingIfNeeded: $0?.integer ?? 0) })
            case .float64: values = .float64(column.values.map { $0?.double ?? 0 })
            case .bool: values = .bool(column.values.map { $0?.flag ?? false })
            case .utf8: values = .utf8(StringColumn(column.values.map { $0?.text ?? "" }))
            }
            return Column(name: column.name, values: values, validity: validity)
        }
        return try Table(columns: columns, metadata: metadata)
    }

    /// JSON text describing `table` in the same format (floats written so they parse back exactly).
    static func json(describing table: Table, batchCount: Int? = nil) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        func quoted(_ text: String) throws -> String {
            String(decoding: try encoder.encode(text), as: UTF8.self)
        }
        var columnTexts: [String] = []
        for column in table.columns {
            var values: [String] = []
            for row in 0..<column.count {
                guard column.isValid(row) else {
                    values.append("null")
                    continue
                }
                switch column.values {
                case .int64(let array), .timestamp(let array): values.append(String(array[row]))
                case .date32(let array): values.append(String(array[row]))
                case .bool(let array): values.append(array[row] ? "true" : "false")
                case .utf8(let strings): values.append(try quoted(strings[row]))
                case .dictionary(let coded): values.append(try quoted(coded[row]))
                case .float64(let array):
                    let value = array[row]
                    if value.isNaN {
                        values.append("\"nan\"")
                    } else if value.isInfinite {
                        values.append(value > 0 ? "\"inf\"" : "\"-inf\"")
                    } else {
                        values.append(value.description)
                    }
                }
            }
            columnTexts.append(
                "{\"name\": \(try quoted(column.name)), \"type\": \"\(column.type.rawValue)\", "
                    + "\"values\": [\(values.joined(separator: ", "))]}")
        }
        let metadata = String(decoding: try encoder.encode(table.metadata), as: UTF8.self)
        let batches = batchCount.map { ", \"batchCount\": \($0)" } ?? ""
        return "{\"rowCount\": \(table.rowCount)\(batches), \"metadata\": \(metadata), \"columns\": [\n"
            + columnTexts.joined(separator: ",\n") + "\n]}\n"
    }
}

/// Access to the committed fixture files.
enum Fixtures {
    static func url(_ name: String) throws -> URL {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return directory.appendingPathComponent(name)
    }

    static func path(_ name: String) throws -> String { try url(name).path }
}

/// Compares two tables value by value, treating NaNs with equal bits as equal.
func expectSameContents(_ actual: Table, _ expected: Table, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.columnNames == expected.columnNames, sourceLocation: sourceLocation)
    #expect(actual.rowCount == expected.rowCount, sourceLocation: sourceLocation)
    #expect(actual.metadata == expected.metadata, sourceLocation: sourceLocation)
    for (left, right) in zip(actual.columns, expected.columns) {
        #expect(left.type == right.type, "column \(left.name)", sourceLocation: sourceLocation)
        #expect(left.validity == right.validity, "validity of column \(left.name)", sourceLocation: sourceLocation)
        if case .float64(let a) = left.values, case .float64(let b) = right.values {
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "column \(left.name)", sourceLocation: sourceLocation)
        } else {
            #expect(left.values == right.values, "column \(left.name)", sourceLocation: sourceLocation)
        }
    }
}
