// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "segpipe",
    products: [
        .executable(name: "segpipe", targets: ["segpipe"]),
        .library(name: "Segmentation", targets: ["Segmentation"]),
        .library(name: "Postgres", targets: ["Postgres"]),
        .library(name: "Columnar", targets: ["Columnar"]),
        .library(name: "Clustering", targets: ["Clustering"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "CSHA256",
            linkerSettings: [.linkedLibrary("crypto")]
        ),
        .target(name: "CFileSync"),
        .target(name: "CPrefetch"),
        .target(name: "CAllocator"),
        .target(name: "CByteScan"),
        .target(name: "CXXHash64"),
        .target(name: "Columnar", dependencies: ["CSHA256", "CXXHash64", "CFileSync", "CPrefetch"]),
        .target(name: "Clustering"),
        .target(
            name: "Segmentation",
            dependencies: [
                "Postgres", "Columnar", "Clustering", "CByteScan", "CAllocator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "segpipe",
            dependencies: [
                "Segmentation", "Columnar",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Postgres", "Columnar"],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "ColumnarTests", dependencies: ["Columnar", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ClusteringTests", dependencies: ["Clustering"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "SegmentationTests",
            dependencies: ["Segmentation", "TestSupport", .product(name: "Logging", package: "swift-log")],
            exclude: ["CLV/Fixtures"]
        ),
        .testTarget(name: "SegpipeTests", dependencies: ["TestSupport"]),
    ]
)

// Swift settings for every Swift target (not the C ones).
let cLanguageTargets: Set = ["CLibPQ", "CSHA256", "CXXHash64", "CFileSync", "CPrefetch", "CByteScan", "CAllocator"]
for target in package.targets where !cLanguageTargets.contains(target.name) {
    var settings = target.swiftSettings ?? []
    settings.append(contentsOf: [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ])
    target.swiftSettings = settings
}
