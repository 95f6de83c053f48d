import Columnar

/// A numeric feature column as doubles with presence flags.
struct NumericFeature {
    let name: String
    var values: [Double]
    let present: [Bool]

    init(_ table: Table, _ name: String) throws(PipelineError) {
        let column = try table.requireColumn(name)
        self.name = name
        present = column.validity ?? [Bool](repeating: true, count: column.count)
        switch column.values {
        case .float64(let values): self.values = values
        case .int64(let values): self.values = values.map(Double.init)
        default: throw PipelineError(.configuration, "feature \"\(name)\" is not numeric")
        }
    }

    /// Mean per cluster over present values; nil for a cluster without any.
    func clusterMeans(labels: [Int32], k: Int) -> [Double?] {
        var sums = [Double](repeating: 0, count: k)
        var counts = [Int](repeating: 0, count: k)
        for row in 0..<values.count where present[row] {
            sums[Int(labels[row])] += values[row]
            counts[Int(labels[row])] += 1
        }
        return (0..<k).map { counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : nil }
    }

    /// Mean and population standard deviation over present values.
    func populationMoments() -> (mean: Double, deviation: Double) {
        var sum = 0.0
        var count = 0
        for row in 0..<values.count where present[row] {
            sum += values[row]
            count += 1
        }
        guard count > 0 else { return (0, 0) }
        let mean = sum / Double(count)
        var squares = 0.0
        for row in 0..<values.count where present[row] { squares += (values[row] - mean) * (values[row] - mean) }
        return (mean, (squares / Double(count)).squareRoot())
    }
}
