/// Feature columns that a ``RuleSet`` evaluates over: one row per customer, one column per feature.
///
/// Numeric columns are `[Double]` with an optional presence mask (NaN also counts as missing); text columns
/// are plain `[String]` or dictionary-encoded (`codes` into `dictionary`); Boolean columns are `[Bool]`.
/// Every column must have ``rowCount`` rows. Text is stored dictionary-encoded, so a text test costs one
/// table lookup per row whatever the strings.
///
/// ```swift
/// var dataset = RuleDataset(rowCount: 3)
/// try dataset.addNumeric("recency_days", [10, 200, 400])
/// try dataset.addText("country", codes: [0, 1, 0], dictionary: ["DE", "AT"])
/// ```
public struct RuleDataset: Sendable {
    /// A numeric column; `isPresent[i]` is false for a missing value.
    struct NumericColumn: Sendable {
        let values: [Double]
        let isPresent: [Bool]
    }

    /// A dictionary-encoded text column; code -1 marks a missing value.
    struct TextColumn: Sendable {
        let codes: [Int32]
        let dictionary: [String]
    }

    /// A stored column.
    enum Column: Sendable {
        case numeric(NumericColumn)
        case text(TextColumn)
        /// Truth bytes: 0 false, 1 missing, 2 true (see ``RulePlan``).
        case boolean([UInt8])

        var type: RuleFeatureType {
            switch self {
            case .numeric: .numeric
            case .text: .text
            case .boolean: .boolean
            }
        }
    }

    /// The number of rows in every column.
    public let rowCount: Int
    private(set) var columns: [String: Column] = [:]

    /// Creates a dataset with no columns yet.
    public init(rowCount: Int) {
        self.rowCount = max(0, rowCount)
    }

    /// The names and types of the columns added so far.
    public var schema: RuleSchema {
        RuleSchema(columns.mapValues(\.type))
    }

    // MARK: - Adding columns

    /// Adds a numeric column; a value is missing where `isPresent` is false or the value is NaN.
    /// - Throws: ``RuleError`` with code `datasetMismatch` if the name is taken or a length differs from
    ///   ``rowCount``.
    public mutating func addNumeric(_ name: String, _ values: [Double], isPresent: [Bool]? = nil) throws(RuleError) {
        try checkNew(name, count: values.count)
        if let isPresent { try checkLength(name, count: isPresent.count, of: "presence mask") }
        var mask = isPresent ?? [Bool](repeating: true, count: rowCount)
        for index in 0..<rowCount where values[index].isNaN { mask[index] = false }
        columns[name] = .numeric(NumericColumn(values: values, isPresent: mask))
    }

    /// Adds a numeric column with `nil` for missing values.
    public mutating func addNumeric(_ name: String, _ values: [Double?]) throws(RuleError) {
        try addNumeric(name, values.map { $0 ?? .nan }, isPresent: values.map { $0 != nil })
    }

    /// Adds a text column; a value is missing where `isPresent` is false.
    public mutating func addText(_ name: String, _ values: [String], isPresent: [Bool]? = nil) throws(RuleError) {
        try checkNew(name, count: values.count)
        if let isPresent { try checkLength(name, count: isPresent.count, of: "presence mask") }
        var dictionary: [String] = []
        var codeOf: [String: Int32] = [:]
        var codes = [Int32](repeating: -1, count: rowCount)
        for index in 0..<rowCount where isPresent?[index] ?? true {
            let value = values[index]
            if let code = codeOf[value] {
                codes[index] = code
            } else {
                let code = Int32(dictionary.count)
                codeOf[value] = code
                dictionary.append(value)
                codes[index] = code
            }
        }
        columns[name] = .text(TextColumn(codes: codes, dictionary: dictionary))
    }

    /// Adds a text column with `nil` for missing values.
    public mutating func addText(_ name: String, _ values: [String?]) throws(RuleError) {
        try addText(name, values.map { $0 ?? "" }, isPresent: values.map { $0 != nil })
    }

    /// Adds a dictionary-encoded text column: row `i` holds `dictionary[codes[i]]`.
    ///
    /// A value is missing where `isPresent` is false or the code is negative.
    /// - Throws: ``RuleError`` with code `datasetMismatch` if the name is taken, a length differs from
    ///   ``rowCount``, or a present code is not an index into `dictionary`.
    public mutating func addText(
        _ name: String, codes: [Int32], dictionary: [String], isPresent: [Bool]? = nil
    ) throws(RuleError) {
        try checkNew(name, count: codes.count)
        if let isPresent { try checkLength(name, count: isPresent.count, of: "presence mask") }
        var stored = codes
        for index in 0..<rowCount {
            if isPresent?[index] == false || stored[index] < 0 {
                stored[index] = -1
            } else if Int(stored[index]) >= dictionary.count {
                throw RuleError(
                    .datasetMismatch,
                    "feature \"\(name)\", row \(index): code \(stored[index]) is outside the dictionary of "
                        + "\(dictionary.count) values")
            }
        }
        columns[name] = .text(TextColumn(codes: stored, dictionary: dictionary))
    }

    /// Adds a Boolean column; a value is missing where `isPresent` is false.
    public mutating func addBoolean(_ name: String, _ values: [Bool], isPresent: [Bool]? = nil) throws(RuleError) {
        try checkNew(name, count: values.count)
        if let isPresent { try checkLength(name, count: isPresent.count, of: "presence mask") }
        var truths = [UInt8](repeating: RulePlan.unknown, count: rowCount)
        for index in 0..<rowCount where isPresent?[index] ?? true {
            truths[index] = values[index] ? RulePlan.yes : RulePlan.no
        }
        columns[name] = .boolean(truths)
    }

    /// Adds a Boolean column with `nil` for missing values.
    public mutating func addBoolean(_ name: String, _ values: [Bool?]) throws(RuleError) {
        try addBoolean(name, values.map { $0 ?? false }, isPresent: values.map { $0 != nil })
    }

    private func checkNew(_ name: String, count: Int) throws(RuleError) {
        guard columns[name] == nil else {
            throw RuleError(.datasetMismatch, "feature \"\(name)\" was added twice")
        }
        try checkLength(name, count: count, of: "column")
    }

    private func checkLength(_ name: String, count: Int, of part: String) throws(RuleError) {
        guard count == rowCount else {
            throw RuleError(
                .datasetMismatch, "feature \"\(name)\": the \(part) has \(count) rows, expected \(rowCount)")
        }
    }
}
