// swift-tools-version:6.1
// Benchmark harness for COPY throughput; kept out of the main build. Run it with scripts/bench-copy.
import PackageDescription

let package = Package(
    name: "copy-bench",
    dependencies: [.package(name: "segpipe", path: "../..")],
    targets: [
        .executableTarget(name: "copy-bench", dependencies: [.product(name: "Postgres", package: "segpipe")])
    ]
)
