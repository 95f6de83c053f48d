import Clustering
import Columnar
import Foundation

/// The clustering matrix of a run: imputed, transformed, z-scored and weighted features, with the parameters
/// that reproduce it.
struct FeatureScaling {
    let names: [String]
    let transforms: [FeatureTransform]
    let fills: [Double]
    let means: [Double]
    let deviations: [Double]
    let weights: [Double]
    let matrix: FeatureMatrix

    init(features: Table, names: [String], configuration: PipelineConfiguration) throws(PipelineError) {
        self.names = names
        let count = features.rowCount
        var transforms: [FeatureTransform] = []
        var fills: [Double] = []
        var means: [Double] = []
        var deviations: [Double] = []
        var weights: [Double] = []
        var columns: [[Double]] = []
        for name in names {
            var feature = try NumericFeature(features, name)
            var largest = -Double.infinity
            for row in 0..<count where feature.present[row] { largest = max(largest, feature.values[row]) }
            let fill = name == "recency_days" ? (largest.isFinite ? largest : 0) + 1 : 0
            let transform = FeatureTransform(rawValue: configuration.features.transforms[name] ?? "log1p") ?? .log1p
            for row in 0..<count {
                let value = feature.present[row] ? feature.values[row] : fill
                feature.values[row] = Self.transform(value, transform)
            }
            let mean = count > 0 ? feature.values.reduce(0, +) / Double(count) : 0
            let variance = count > 0 ? feature.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count) : 0
            let deviation = variance.squareRoot()
            let weight = configuration.features.weights[name] ?? 1
            for row in 0..<count {
                feature.values[row] = deviation > 0 ? (feature.values[row] - mean) / deviation * weight : 0
            }
            columns.append(feature.values)
            transforms.append(transform)
            fills.append(fill)
            means.append(mean)
            deviations.append(deviation)
            weights.append(weight)
        }
        self.transforms = transforms
        self.fills = fills
        self.means = means
        self.deviations = deviations
        self.weights = weights
        matrix = FeatureMatrix(columns: columns)
    }

    static func transform(_ value: Double, _ transform: FeatureTransform) -> Double {
        switch transform {
        case .log1p: log1p(max(value, 0))
        case .none: value
        }
    }

    /// A scaled coordinate back in transformed, unscaled units.
    func unscale(_ value: Double, feature: Int) -> Double {
        weights[feature] > 0 ? value / weights[feature] * deviations[feature] + means[feature] : means[feature]
    }

    /// A transformed, unscaled coordinate in this run's scaled space.
    func scale(_ value: Double, feature: Int) -> Double {
        deviations[feature] > 0 ? (value - means[feature]) / deviations[feature] * weights[feature] : 0
    }

    /// Another run's segment centroids (`centroid_<feature>` columns) in this run's scaled space, or nil when
    /// that run did not cluster on the same features.
    func scaledCentroids(of segments: Table) -> FeatureMatrix? {
        var columns: [[Double]] = []
        for (index, name) in names.enumerated() {
            guard let values = try? segments.doubles("centroid_\(name)") else { return nil }
            columns.append(values.map { scale($0, feature: index) })
        }
        return columns.first.map { _ in FeatureMatrix(columns: columns) }
    }

    /// The parameters as recorded in the segment manifest.
    var manifestValue: JSONValue {
        var object: [String: JSONValue] = [:]
        for (index, name) in names.enumerated() {
            object[name] = .object([
                "transform": .string(transforms[index].rawValue), "fill": .double(fills[index]),
                "mean": .double(means[index]), "std": .double(deviations[index]), "weight": .double(weights[index]),
            ])
        }
        return .object(object)
    }
}
