import Columnar

/// Builds a nullable column row by row, then turns into a ``Column``.
///
/// Values are appended to a typed array of the builder's own (one per type, the others stay empty), so an append
/// is an array append, without taking the values out of and back into a ``ColumnValues`` each time; validity is
/// only materialised once a null is appended.
struct ColumnBuilder {
    let name: String
    let type: ColumnType
    private var integers: [Int64] = []
    private var doubles: [Double] = []
    private var dates: [Int32] = []
    private var flags: [Bool] = []
    private var strings = StringColumn()
    private var validity: [Bool]?
    private var count = 0

    init(name: String, type: ColumnType, capacity: Int = 0) {
        self.name = name
        self.type = type
        switch type {
        case .int64, .timestamp: integers.reserveCapacity(capacity)
        case .float64: doubles.reserveCapacity(capacity)
        case .utf8: strings = StringColumn(capacity: capacity)
        case .date32: dates.reserveCapacity(capacity)
        case .bool: flags.reserveCapacity(capacity)
        }
    }

    /// The values appended so far.
    var values: ColumnValues {
        switch type {
        case .int64: .int64(integers)
        case .timestamp: .timestamp(integers)
        case .float64: .float64(doubles)
        case .utf8: .utf8(strings)
        case .date32: .date32(dates)
        case .bool: .bool(flags)
        }
    }

    @inline(__always)
    private mutating func markValid(_ isValid: Bool) {
        if !isValid, validity == nil { validity = Array(repeating: true, count: count) }
        validity?.append(isValid)
        count += 1
    }

    @inline(__always)
    private func check(_ expected: ColumnType) {
        precondition(type == expected, "\(name) is not \(expected)")
    }

    mutating func append(_ value: String?) {
        check(.utf8)
        if let value { strings.append(value) } else { strings.appendEmpty() }
        markValid(value != nil)
    }

    mutating func append(utf8 buffer: UnsafeBufferPointer<UInt8>) {
        check(.utf8)
        strings.append(utf8: buffer)
        markValid(true)
    }

    mutating func append(_ value: Int64?) {
        check(.int64)
        integers.append(value ?? 0)
        markValid(value != nil)
    }

    mutating func append(_ value: Double?) {
        check(.float64)
        doubles.append(value ?? 0)
        markValid(value != nil)
    }

    mutating func append(date value: Int32?) {
        check(.date32)
        dates.append(value ?? 0)
        markValid(value != nil)
    }

    mutating func append(timestamp value: Int64?) {
        check(.timestamp)
        integers.append(value ?? 0)
        markValid(value != nil)
    }

    mutating func append(_ value: Bool?) {
        check(.bool)
        flags.append(value ?? false)
        markValid(value != nil)
    }

    /// Appends a null of the builder's type.
    mutating func appendNull() {
        switch type {
        case .utf8: append(nil as String?)
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
