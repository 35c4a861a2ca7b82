// swift-tools-version:6.0
import PackageDescription

// A shop's integration that depends on Tradewind by version, as any package on the
// internet would. Bootstrap/test points it at a tagged clone of this repository
// (TRADEWIND_PACKAGE_URL=file://…, TRADEWIND_PACKAGE_VERSION=X.Y.Z): SwiftPM treats
// that like a remote dependency, so it refuses a library with unsafe build flags,
// which a path dependency would not show.
let tradewindURL = Context.environment["TRADEWIND_PACKAGE_URL"] ?? "https://github.com/tradewind-mesh/tradewind.git"
let tradewindVersion = Version(Context.environment["TRADEWIND_PACKAGE_VERSION"] ?? "0.2.0") ?? "0.2.0"

let package = Package(
    name: "ShopIntegration",
    dependencies: [
        .package(url: tradewindURL, exact: tradewindVersion),
    ],
    targets: [
        .executableTarget(
            name: "ShopIntegration",
            dependencies: [
                .product(name: "TradewindWire", package: "tradewind"),
                .product(name: "TradewindCrypto", package: "tradewind"),
                .product(name: "TradewindLedger", package: "tradewind"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
