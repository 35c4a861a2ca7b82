// swift-tools-version:6.0
import PackageDescription

// Layout and dependency direction: docs/ARCHITECTURE.md.

// The module graph is the architecture: Bootstrap/module-graph checks every edge
// against the intended direction and docs/ARCHITECTURE.md's block is generated from
// this manifest. No target carries unsafe flags, so other packages can depend on
// Tradewind's libraries by version; Bootstrap's release builds add
// `-Xswiftc -cross-module-optimization` themselves (docs/PERFORMANCE.md).
let package = Package(
    name: "Tradewind",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tradewind", targets: ["tradewind"]),
        .executable(name: "TradewindBench", targets: ["TradewindBench"]),
        .library(name: "TradewindWire", targets: ["TradewindWire"]),
        .library(name: "TradewindCrypto", targets: ["TradewindCrypto"]),
        .library(name: "TradewindStore", targets: ["TradewindStore"]),
        .library(name: "TradewindChainStore", targets: ["TradewindChainStore"]),
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
        .systemLibrary(name: "CSodium", pkgConfig: "libsodium", providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),

        // Vocabulary and primitives.
        .target(name: "TradewindWire"),
        .target(name: "TradewindCrypto", dependencies: ["CSodium", "TradewindWire"]),
        .target(name: "TradewindStore", dependencies: ["CLMDB", "TradewindWire"]),
        .target(name: "TradewindSimulation", dependencies: ["TradewindWire"]),

        // Pure protocol cores: inputs and time in, actions out.
        .target(name: "TradewindLedger", dependencies: ["TradewindCrypto", "TradewindWire"]),
        .target(name: "TradewindNoise", dependencies: ["TradewindCrypto", "TradewindWire"]),
        .target(name: "TradewindGossip", dependencies: ["TradewindWire", "TradewindCrypto"]),
        .target(name: "TradewindConsensus", dependencies: ["TradewindWire", "TradewindCrypto", "TradewindLedger"]),

        // Shells.
        .target(name: "TradewindChainStore", dependencies: ["TradewindStore", "TradewindLedger", "TradewindWire"]),
        .target(
            name: "TradewindTransport",
            dependencies: [
                "TradewindNoise", "TradewindCrypto", "TradewindWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "TradewindPeerCore",
            dependencies: ["TradewindConsensus", "TradewindGossip", "TradewindLedger", "TradewindCrypto", "TradewindWire"]
        ),
        .target(
            name: "TradewindPeer",
            dependencies: [
                "TradewindTransport", "TradewindGossip", "TradewindNoise", "TradewindCrypto", "TradewindWire",
                "TradewindConsensus", "TradewindLedger", "TradewindStore", "TradewindChainStore", "TradewindPeerCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        // Executables.
        .target(
            name: "TradewindCLI",
            dependencies: [
                "TradewindWire", "TradewindCrypto", "TradewindStore", "TradewindChainStore", "TradewindLedger",
                "TradewindPeer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "tradewind", dependencies: ["TradewindCLI"]),
        .executableTarget(
            name: "TradewindBench",
            dependencies: [
                "TradewindWire", "TradewindCrypto", "TradewindStore", "TradewindChainStore", "TradewindNoise",
                "TradewindTransport", "TradewindLedger", "TradewindConsensus", "TradewindPeer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Child process used by tests that need a second process (crash, reader-while-writer).
        .executableTarget(
            name: "TradewindProbe",
            dependencies: [
                "TradewindWire", "TradewindCrypto", "TradewindStore", "TradewindChainStore", "TradewindLedger",
                "TradewindNoise", "TradewindTransport",
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
            name: "TradewindPeerCoreTests",
            dependencies: [
                "TradewindPeerCore", "TradewindConsensus", "TradewindGossip", "TradewindLedger", "TradewindCrypto",
                "TradewindWire", "TradewindSimulation", "TradewindNoise",
            ]
        ),
        .testTarget(
            name: "TradewindConsensusTests",
            dependencies: [
                "TradewindConsensus", "TradewindLedger", "TradewindCrypto", "TradewindWire", "TradewindSimulation",
                "TradewindPeerCore", "TradewindGossip",
                "TradewindTestSupport",
            ]
        ),
        .testTarget(
            name: "TradewindPeerTests",
            dependencies: [
                "TradewindPeer", "TradewindCrypto", "TradewindWire", "TradewindLedger",
                "TradewindChainStore", "TradewindCLI", "TradewindTestSupport", "tradewind",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "TradewindLedgerTests",
            dependencies: [
                "TradewindLedger", "TradewindCrypto", "TradewindWire", "TradewindChainStore", "TradewindProbe",
                "TradewindTestSupport",
            ]
        ),
        .testTarget(
            name: "TradewindStoreTests",
            dependencies: ["TradewindStore", "CLMDB", "TradewindWire", "TradewindProbe", "TradewindTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
