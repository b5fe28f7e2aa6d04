// swift-tools-version:6.0
// A bare SwiftNIO broadcast server: the floor the fan-out path is compared with (see ../README.md).
import PackageDescription

let package = Package(
    name: "bare-fanout",
    dependencies: [.package(url: "https://github.com/apple/swift-nio", from: "2.101.2")],
    targets: [
        .executableTarget(
            name: "bare-fanout",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        )
    ]
)
