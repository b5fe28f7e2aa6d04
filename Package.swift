// swift-tools-version:6.0
import PackageDescription

/// A product of swift-nio, which most targets name several of.
func nio(_ name: String) -> Target.Dependency {
    .product(name: name, package: "swift-nio")
}

let package = Package(
    name: "wsevent",
    products: [
        .library(name: "WSEventCore", targets: ["WSEventCore"]),
        .executable(name: "wsevent-service", targets: ["wsevent-service"]),
        .executable(name: "wsclient", targets: ["wsclient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "WSEventCore",
            dependencies: [
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "WSEventCLI",
            dependencies: [
                "WSEventCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                nio("NIOCore"),
            ]
        ),
        .executableTarget(
            name: "wsevent-service",
            dependencies: [
                "WSEventCore", "WSEventCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "wsclient",
            dependencies: [
                "WSEventCore", "WSEventCLI",
                nio("NIOCore"),
                nio("NIOPosix"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "wsevent-bench",
            dependencies: [
                "WSEventCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "WSEventCore",
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "WSEventCoreTests",
            dependencies: [
                "WSEventCore", "WSEventCLI", "TestSupport",
                nio("NIOCore"),
                nio("NIOEmbedded"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "WSEventCore", "TestSupport",
                nio("NIOCore"),
                nio("NIOWebSocket"),
            ]
        ),
    ]
)
