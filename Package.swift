// swift-tools-version:6.0
import PackageDescription

// Layout and dependency direction: docs/ARCHITECTURE.md.

// Modules on the per-transaction and per-datagram paths are generic at their seams
// (state views, byte sources, the transport's endpoint). Full cross-module
// optimisation lets callers specialise them instead of going through runtime
// generic metadata on every call (measured: docs/PERFORMANCE.md).
let hotPath: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]
// Wire (codec and vocabulary types) is at the bottom; Crypto and Store build on it.
let package = Package(
    name: "Tradewind",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tradewind", targets: ["tradewind"]),
        .executable(name: "TradewindBench", targets: ["TradewindBench"]),
        .library(name: "TradewindWire", targets: ["TradewindWire"]),
        .library(name: "TradewindCrypto", targets: ["TradewindCrypto"]),
        .library(name: "TradewindStore", targets: ["TradewindStore"]),
        .library(name: "TradewindLedger", targets: ["TradewindLedger"]),
        .library(name: "TradewindNoise", targets: ["TradewindNoise"]),
        .library(name: "TradewindTransport", targets: ["TradewindTransport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        .target(name: "TradewindWire", swiftSettings: hotPath),
        .target(name: "TradewindCrypto", dependencies: ["CSodium", "TradewindWire"], swiftSettings: hotPath),
        .target(name: "TradewindLedger", dependencies: ["TradewindCrypto", "TradewindWire"], swiftSettings: hotPath),
        .target(name: "TradewindGossip", dependencies: ["TradewindWire", "TradewindCrypto"]),
        .target(name: "TradewindSimulation"),
        .target(
            name: "TradewindConsensus", dependencies: ["TradewindWire", "TradewindCrypto", "TradewindLedger"],
            swiftSettings: hotPath
        ),
        .target(
            name: "TradewindPeer",
            dependencies: [
                "TradewindTransport", "TradewindGossip", "TradewindNoise", "TradewindCrypto", "TradewindWire",
                "TradewindConsensus", "TradewindLedger", "TradewindStore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .target(name: "TradewindStore", dependencies: ["CLMDB", "TradewindWire", "TradewindLedger"], swiftSettings: hotPath),
        .target(name: "TradewindNoise", dependencies: ["TradewindCrypto", "TradewindWire"], swiftSettings: hotPath),
        .target(
            name: "TradewindTransport",
            dependencies: [
                "TradewindNoise", "TradewindCrypto", "TradewindWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "tradewind",
            dependencies: [
                "TradewindWire", "TradewindCrypto", "TradewindStore", "TradewindLedger", "TradewindConsensus", "TradewindPeer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "TradewindBench",
            dependencies: [
                "TradewindWire", "TradewindCrypto", "TradewindStore", "TradewindNoise", "TradewindTransport",
                "TradewindLedger", "TradewindConsensus", "TradewindPeer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Child process used by tests that need a second process (crash, reader-while-writer).
        .executableTarget(
            name: "TradewindProbe",
            dependencies: [
                "TradewindWire", "TradewindCrypto", "TradewindStore", "TradewindNoise", "TradewindTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Helpers shared by the test targets: child processes, temp folders, seeded randomness.
        .target(name: "TradewindTestSupport", dependencies: ["TradewindSimulation"], path: "Tests/TradewindTestSupport"),
        .testTarget(name: "TradewindWireTests", dependencies: ["TradewindWire", "TradewindTestSupport"]),
        .testTarget(
            name: "TradewindCryptoTests",
            dependencies: ["TradewindCrypto", "TradewindWire", "TradewindTestSupport"],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "TradewindNoiseTests",
            dependencies: ["TradewindNoise", "TradewindCrypto", "TradewindWire", "TradewindTestSupport"],
            resources: [.copy("Vectors")]
        ),
        .testTarget(
            name: "TradewindTransportTests",
            dependencies: [
                "TradewindTransport", "TradewindNoise", "TradewindCrypto", "TradewindWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TradewindGossipTests",
            dependencies: ["TradewindGossip", "TradewindSimulation", "TradewindWire"]
        ),
        .testTarget(
            name: "TradewindConsensusTests",
            dependencies: [
                "TradewindConsensus", "TradewindLedger", "TradewindCrypto", "TradewindWire", "TradewindSimulation",
                "TradewindTestSupport",
            ]
        ),
        .testTarget(
            name: "TradewindPeerTests",
            dependencies: [
                "TradewindPeer", "TradewindGossip", "TradewindCrypto", "TradewindWire", "TradewindTestSupport", "tradewind",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "TradewindLedgerTests",
            dependencies: [
                "TradewindLedger", "TradewindCrypto", "TradewindWire", "TradewindStore", "TradewindProbe",
                "TradewindTestSupport",
            ]
        ),
        .testTarget(
            name: "TradewindStoreTests",
            dependencies: ["TradewindStore", "TradewindWire", "TradewindLedger", "TradewindProbe", "TradewindTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
