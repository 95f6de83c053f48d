import Columnar

/// Builds a nullable column row by row, then turns into a ``Column``.
///
/// Values are appended to typed arrays; validity is only materialised once a null is appended.
struct ColumnBuilder {
    let name: String
    private(set) var values: ColumnValues
    private var validity: [Bool]?
    private var count = 0

    init(name: String, type: ColumnType, capacity: Int = 0) {
        self.name = name
        switch type {
        case .int64: values = .int64(Array(capacity: capacity))
        case .float64: values = .float64(Array(capacity: capacity))
        case .utf8: values = .utf8(StringColumn(capacity: capacity))
        case .date32: values = .date32(Array(capacity: capacity))
        case .timestamp: values = .timestamp(Array(capacity: capacity))
        case .bool: values = .bool(Array(capacity: capacity))
        }
    }

    private mutating func markValid(_ isValid: Bool) {
        if !isValid, validity == nil { validity = Array(repeating: true, count: count) }
        validity?.append(isValid)
        count += 1
    }

    mutating func append(_ value: String?) {
        guard case .utf8(var column) = values else { preconditionFailure("\(name) is not utf8") }
        values = .int64([])
        if let value { column.append(value) } else { column.appendEmpty() }
        values = .utf8(column)
        markValid(value != nil)
    }

    mutating func append(utf8 buffer: UnsafeBufferPointer<UInt8>) {
        guard case .utf8(var column) = values else { preconditionFailure("\(name) is not utf8") }
        values = .int64([])
        column.append(utf8: buffer)
        values = .utf8(column)
        markValid(true)
    }

    mutating func append(_ value: Int64?) {
        guard case .int64(var column) = values else { preconditionFailure("\(name) is not int64") }
        values = .int64([])
        column.append(value ?? 0)
        values = .int64(column)
        markValid(value != nil)
    }

    mutating func append(_ value: Double?) {
        guard case .float64(var column) = values else { preconditionFailure("\(name) is not float64") }
        values = .int64([])
        column.append(value ?? 0)
        values = .float64(column)
        markValid(value != nil)
    }

    mutating func append(date value: Int32?) {
        guard case .date32(var column) = values else { preconditionFailure("\(name) is not date32") }
        values = .int64([])
        column.append(value ?? 0)
        values = .date32(column)
        markValid(value != nil)
    }

    mutating func append(timestamp value: Int64?) {
        guard case .timestamp(var column) = values else { preconditionFailure("\(name) is not timestamp") }
        values = .int64([])
        column.append(value ?? 0)
        values = .timestamp(column)
        markValid(value != nil)
    }

    mutating func append(_ value: Bool?) {
        guard case .bool(var column) = values else { preconditionFailure("\(name) is not bool") }
        values = .int64([])
        column.append(value ?? false)
        values = .bool(column)
        markValid(value != nil)
    }

    /// Appends a null of the builder's type.
    mutating func appendNull() {
        switch values {
        case .utf8, .dictionary: append(nil as String?)
        case .int64: append(nil as Int64?)
        case .float64: append(nil as Double?)
        case .date32: append(date: nil)
        case .timestamp: append(timestamp: nil)
        case .bool: append(nil as Bool?)
        }
    }

    /// The finished column.
    func build() -> Column {
        Column(name: name, values: values, validity: validity)
    }
}

extension Array {
    init(capacity: Int) {
        self.init()
        reserveCapacity(capacity)
    }
}
