/// A dense matrix of `rowCount` observations by `columnCount` features, stored row-major.
///
/// Rows are padded with zeros to a multiple of four values so the distance kernels read whole
/// `SIMD4<Double>` / `SIMD8<Double>` vectors; the padding never shows through the public API.
public struct FeatureMatrix: Sendable, Equatable {
    /// Number of observations.
    public let rowCount: Int
    /// Number of features per observation.
    public let columnCount: Int
    /// Distance between the starts of two consecutive rows in `storage` (a multiple of 4, ≥ 4).
    let stride: Int
    /// Row-major values, `rowCount * stride` long, zero in the padding.
    var storage: [Double]

    static func paddedStride(_ columnCount: Int) -> Int {
        max(4, (columnCount + 3) / 4 * 4)
    }

    /// Creates a matrix from row-major values.
    ///
    /// - Precondition: `values.count == rowCount * columnCount`.
    /// - Complexity: O(rowCount · columnCount).
    public init(rowCount: Int, columnCount: Int, values: [Double]) {
        precondition(rowCount >= 0 && columnCount >= 0, "FeatureMatrix: negative shape")
        precondition(
            values.count == rowCount * columnCount,
            "FeatureMatrix: \(values.count) values for \(rowCount) × \(columnCount)")
        self.rowCount = rowCount
        self.columnCount = columnCount
        let stride = Self.paddedStride(columnCount)
        self.stride = stride
        var storage = [Double](repeating: 0, count: rowCount * stride)
        storage.withUnsafeMutableBufferPointer { out in
            values.withUnsafeBufferPointer { input in
                for row in 0..<rowCount {
                    for column in 0..<columnCount {
                        out[row * stride + column] = input[row * columnCount + column]
                    }
                }
            }
        }
        self.storage = storage
    }

    /// Creates a matrix from one array per feature (column-major input, as columnar tables hold it).
    ///
    /// - Precondition: all columns have the same length.
    /// - Complexity: O(rowCount · columnCount).
    public init(columns: [[Double]]) {
        let rowCount = columns.first?.count ?? 0
        precondition(columns.allSatisfy { $0.count == rowCount }, "FeatureMatrix: columns of unequal length")
        let columnCount = columns.count
        self.rowCount = rowCount
        self.columnCount = columnCount
        let stride = Self.paddedStride(columnCount)
        self.stride = stride
        var storage = [Double](repeating: 0, count: rowCount * stride)
        storage.withUnsafeMutableBufferPointer { out in
            for (column, values) in columns.enumerated() {
                values.withUnsafeBufferPointer { input in
                    for row in 0..<rowCount {
                        out[row * stride + column] = input[row]
                    }
                }
            }
        }
        self.storage = storage
    }

    /// Creates a zero matrix.
    init(zerosRows rowCount: Int, columnCount: Int) {
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.stride = Self.paddedStride(columnCount)
        self.storage = [Double](repeating: 0, count: rowCount * stride)
    }

    /// The value at `row`, `column`.
    ///
    /// - Complexity: O(1).
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(column >= 0 && column < columnCount, "FeatureMatrix: column \(column) out of range")
            return storage[row * stride + column]
        }
        set {
            precondition(column >= 0 && column < columnCount, "FeatureMatrix: column \(column) out of range")
            storage[row * stride + column] = newValue
        }
    }

    /// The values of one row.
    ///
    /// - Complexity: O(columnCount).
    public func row(_ row: Int) -> [Double] {
        Array(storage[(row * stride)..<(row * stride + columnCount)])
    }

    /// All values, row-major and unpadded (`rowCount * columnCount` long).
    ///
    /// - Complexity: O(rowCount · columnCount).
    public var values: [Double] {
        var result = [Double]()
        result.reserveCapacity(rowCount * columnCount)
        for row in 0..<rowCount {
            result.append(contentsOf: storage[(row * stride)..<(row * stride + columnCount)])
        }
        return result
    }

    /// A matrix holding the given rows, in the given order.
    ///
    /// - Complexity: O(indices.count · columnCount).
    public func rows(_ indices: [Int]) -> FeatureMatrix {
        var result = FeatureMatrix(zerosRows: indices.count, columnCount: columnCount)
        let stride = self.stride
        result.storage.withUnsafeMutableBufferPointer { out in
            storage.withUnsafeBufferPointer { input in
                for (target, source) in indices.enumerated() {
                    for j in 0..<stride { out[target * stride + j] = input[source * stride + j] }
                }
            }
        }
        return result
    }
}
