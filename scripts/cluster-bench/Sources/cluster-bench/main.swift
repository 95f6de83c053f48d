// Times one Clustering case on data written by reference.py and prints one JSON line:
//   cluster-bench DATA_DIR CASE [repeats]
// CASE: kmeans-lloyd-N-T, kmeans-hamerly-N-T (N restarts, T threads), iteration-T, ward, single, silhouette.
import Clustering
import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
}

func loadMatrix(_ directory: String, _ name: String, columns: Int) throws -> FeatureMatrix {
    guard let data = FileManager.default.contents(atPath: "\(directory)/\(name).f64") else {
        throw BenchFailure(description: "missing \(name).f64 in \(directory)")
    }
    let values = data.withUnsafeBytes { raw in Array(raw.bindMemory(to: Double.self)) }
    return FeatureMatrix(rowCount: values.count / columns, columnCount: columns, values: values)
}

func loadLabels(_ directory: String, _ name: String) throws -> [Int32] {
    guard let data = FileManager.default.contents(atPath: "\(directory)/\(name).i32") else {
        throw BenchFailure(description: "missing \(name).i32 in \(directory)")
    }
    return data.withUnsafeBytes { raw in Array(raw.bindMemory(to: Int32.self)) }
}

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: cluster-bench DATA_DIR CASE [repeats]")
    exit(2)
}
let directory = arguments[1]
let benchCase = arguments[2]
let repeats = arguments.count > 3 ? Int(arguments[3]) ?? 3 : 3
var times: [Double] = []
var quality = 0.0
var detail = ""

do {
    if benchCase.hasPrefix("kmeans-") {
        let parts = benchCase.split(separator: "-")
        let algorithm: KMeans.Algorithm = parts[1] == "lloyd" ? .lloyd : .hamerly
        let restarts = Int(parts[2]) ?? 1
        let threads = Int(parts[3]) ?? 1
        let x = try loadMatrix(directory, "kmeans", columns: 8)
        let configuration = KMeans(k: 8, seed: 0, restarts: restarts, threadCount: threads, algorithm: algorithm)
        for _ in 0..<repeats {
            var result: KMeansResult?
            times.append(try seconds { result = try configuration.fit(x) })
            quality = result?.inertia ?? .nan
            detail = "iterations=\(result?.iterations ?? 0)"
        }
    } else if benchCase.hasPrefix("iteration-") {
        // Seconds per Lloyd iteration on unstructured data, from fits of 1 and 21 iterations.
        let threads = Int(benchCase.split(separator: "-")[1]) ?? 1
        let x = try loadMatrix(directory, "uniform", columns: 8)
        let start = x.rows(Array(0..<8))
        func fit(_ iterations: Int) throws -> (Double, Int) {
            let configuration = KMeans(
                k: 8, maxIterations: iterations, tolerance: 0, threadCount: threads, algorithm: .lloyd,
                initialCentroids: start)
            var result: KMeansResult?
            let time = try seconds { result = try configuration.fit(x) }
            return (time, result?.iterations ?? 0)
        }
        for _ in 0..<repeats {
            let (short, shortIterations) = try fit(1)
            let (long, longIterations) = try fit(21)
            times.append((long - short) / Double(max(1, longIterations - shortIterations)))
            detail = "iterations=\(longIterations)"
        }
    } else if benchCase == "ward" || benchCase == "ward-50k" || benchCase == "single" {
        let x = try loadMatrix(directory, benchCase == "ward-50k" ? "ward50k" : "ward", columns: 8)
        let linkage: Linkage = benchCase == "single" ? .single : .ward
        for _ in 0..<repeats {
            var dendrogram: Dendrogram?
            times.append(try seconds { dendrogram = try HierarchicalClustering.fit(x, linkage: linkage) })
            quality = dendrogram?.merges.last?.height ?? .nan
        }
    } else if benchCase == "silhouette" {
        let x = try loadMatrix(directory, "silhouette", columns: 8)
        let labels = try loadLabels(directory, "silhouette")
        for _ in 0..<repeats {
            times.append(
                try seconds {
                    quality = try ClusterMetrics.silhouette(
                        x, labels: labels, sampleSize: 10_000, seed: 0, threadCount: 2)
                })
        }
    } else {
        throw BenchFailure(description: "unknown case \(benchCase)")
    }
} catch {
    print("cluster-bench: \(error)")
    exit(1)
}
let median = times.sorted()[times.count / 2]
print(
    "{\"tool\": \"segpipe\", \"case\": \"\(benchCase)\", \"median\": \(median), \"times\": \(times), "
        + "\"rss_mb\": \(peakResidentMegabytes()), \"quality\": \(quality), \"detail\": \"\(detail)\"}")
