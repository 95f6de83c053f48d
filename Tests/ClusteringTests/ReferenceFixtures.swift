import Clustering
import Foundation

/// Loads the scikit-learn / fastcluster reference files made by scripts/fixtures/make_clustering_fixtures.py.
enum ReferenceFixtures {
    static let datasets = ["blobs", "aniso", "varied", "five", "uniform"]

    struct FixtureMissing: Error, CustomStringConvertible {
        let name: String
        var description: String { "fixture \(name) is missing; run scripts/fixtures/make_clustering_fixtures.py" }
    }

    static func url(_ name: String) throws -> URL {
        guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw FixtureMissing(name: "Fixtures")
        }
        return folder.appendingPathComponent(name)
    }

    /// Numeric CSV without header, one row per line.
    static func matrixRows(_ name: String) throws -> [[Double]] {
        let text = try String(contentsOf: url(name), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            line.split(separator: ",").compactMap { Double(String($0)) }
        }
    }

    static func data(_ dataset: String) throws -> FeatureMatrix {
        let rows = try matrixRows("\(dataset).data.csv")
        let d = rows.first?.count ?? 0
        return FeatureMatrix(rowCount: rows.count, columnCount: d, values: rows.flatMap { $0 })
    }

    static func linkage(_ dataset: String, _ linkage: Linkage) throws -> [[Double]] {
        try matrixRows("\(dataset).\(linkage.rawValue).csv")
    }

    /// SciPy `fcluster` labels; column c is the cut at k = 2 + c.
    static func cuts(_ dataset: String, _ linkage: Linkage) throws -> [[Int32]] {
        let rows = try matrixRows("\(dataset).\(linkage.rawValue).cuts.csv")
        let columns = rows.first?.count ?? 0
        return (0..<columns).map { column in rows.map { Int32($0[column]) } }
    }

    static func kmeansLabels(_ dataset: String) throws -> [Int32] {
        try matrixRows("\(dataset).kmeans.labels.csv").map { Int32($0[0]) }
    }

    struct Reference {
        let kmeansInertia: [Int: Double]
        let silhouette: Double
        let calinskiHarabasz: Double
        let daviesBouldin: Double
    }

    static func reference(_ dataset: String) throws -> Reference {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url("reference.json")))
        guard let all = json as? [String: Any], let entry = all[dataset] as? [String: Any],
            let inertia = entry["kmeans_inertia"] as? [String: Double],
            let silhouette = entry["silhouette"] as? Double,
            let calinski = entry["calinski_harabasz"] as? Double,
            let davies = entry["davies_bouldin"] as? Double
        else { throw FixtureMissing(name: "reference.json[\(dataset)]") }
        var byK: [Int: Double] = [:]
        for (key, value) in inertia { if let k = Int(key) { byK[k] = value } }
        return Reference(kmeansInertia: byK, silhouette: silhouette, calinskiHarabasz: calinski, daviesBouldin: davies)
    }
}
