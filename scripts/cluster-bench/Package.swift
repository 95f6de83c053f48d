// swift-tools-version:6.1
// Benchmark harness for the Clustering library; kept out of the main build. Run it through scripts/bench-cluster.
import PackageDescription

let package = Package(
    name: "cluster-bench",
    dependencies: [.package(name: "segpipe", path: "../..")],
    targets: [
        .executableTarget(
            name: "cluster-bench",
            dependencies: [.product(name: "Clustering", package: "segpipe")],
            path: "Sources/cluster-bench"
        )
    ]
)
