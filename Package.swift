// swift-tools-version:6.1
import PackageDescription

/// A product of swift-nio, which most targets name several of.
func nio(_ name: String) -> Target.Dependency {
    .product(name: name, package: "swift-nio")
}

let package = Package(
    name: "wsevent",
    products: [
        .library(name: "WSEventCore", targets: ["WSEventCore"]),
        .library(name: "WSEventWebSocket", targets: ["WSEventWebSocket"]),
        // The PostgreSQL store, a plug-in: an app that wants `-store` adds this product too.
        .library(name: "WSEventPostgres", targets: ["WSEventPostgres"]),
        // NATS and RabbitMQ as sources, sinks and stores: with the `Bridges` trait, which needs
        // Debian's libnats-dev and librabbitmq-dev; without it the product has no broker.
        .library(name: "WSEventBridges", targets: ["WSEventBridges"]),
        .executable(name: "wsevent-service", targets: ["wsevent-service"]),
        .executable(name: "wsclient", targets: ["wsclient"]),
    ],
    traits: [
        .trait(
            name: "Bridges",
            description: "NATS (JetStream) and RabbitMQ bridges, on Debian's nats.c and rabbitmq-c: apt-get install libnats-dev librabbitmq-dev"
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The durable store: pure Swift on NIO, so it shares our event loops (see README).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // The load generator's latency percentiles (see README).
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // The data path, bottom up; each layer sees only the ones above it here.

        // RFC 6455 on NIO: server upgrade, client connect, the async connection, frames,
        // close handshake, keepalive. Nothing of ours; usable alone.
        .target(
            name: "WSEventWebSocket",
            dependencies: [
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Events, epochs, replay, resume plans and the per-event-loop fan-out, over an element
        // type it does not know: no wire format here.
        .target(
            name: "WSEventStreams",
            dependencies: [
                nio("NIOCore"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // The storage interface: what a store (PostgreSQL, a broker's log) implements and the
        // server drives. No driver here: each store is a plug-in target of its own.
        .target(
            name: "WSEventStorage",
            dependencies: [
                "WSEventStreams",
                nio("NIOCore"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The wire formats (plain and v1 WebSocket frames, SSE) encoded once per event, the
        // subscriber handler that writes them, the SSE client.
        .target(
            name: "WSEventTransports",
            dependencies: [
                "WSEventWebSocket", "WSEventStreams",
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Producer, relay and fan-in consumers, the resuming subscriber.
        .target(
            name: "WSEventRoles",
            dependencies: [
                "WSEventWebSocket", "WSEventStreams", "WSEventTransports",
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOHTTP1"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The server: configuration, routing, publish, health, metrics, lifecycle.
        .target(
            name: "WSEventService",
            dependencies: [
                "WSEventWebSocket", "WSEventStreams", "WSEventStorage", "WSEventTransports", "WSEventRoles",
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            // The browser client it serves at /wsevent.js and its types, compiled in as bytes
            // (no bundle to ship beside the binary, no Foundation to find one).
            resources: [.embedInCode("Client/wsevent.js"), .embedInCode("Client/wsevent.d.ts")]
        ),
        // One import for apps: no database or broker client comes with it.
        .target(
            name: "WSEventCore",
            dependencies: ["WSEventWebSocket", "WSEventStreams", "WSEventStorage", "WSEventTransports", "WSEventRoles", "WSEventService"]
        ),

        // Stores, plug-ins beside the layers: each implements WSEventStorage's interface in a
        // target of its own, and only the executable (or an app that asks) links it.

        // PostgreSQL as the durable, replicated log under origin and hub streams: it assigns the
        // ids, keeps the epoch, the events and the consumer cursors; LISTEN/NOTIFY tells replicas.
        .target(
            name: "WSEventPostgres",
            dependencies: [
                "WSEventStreams", "WSEventStorage",
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Brokers, plug-ins beside the stores (trait Bridges): the C clients from Debian, through
        // pkg-config, and the sources, sinks and store built on them.
        .systemLibrary(name: "CNATS", path: "Sources/CNATS", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        .systemLibrary(name: "CRabbitMQ", path: "Sources/CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        .target(
            name: "WSEventBridges",
            dependencies: [
                "WSEventWebSocket", "WSEventStreams", "WSEventStorage", "WSEventTransports", "WSEventRoles",
                .target(name: "CNATS", condition: .when(traits: ["Bridges"])),
                .target(name: "CRabbitMQ", condition: .when(traits: ["Bridges"])),
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
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
                nio("NIOConcurrencyHelpers"),
                nio("NIOPosix"),
                "WSEventCore", "WSEventCLI", "WSEventPostgres", "WSEventBridges",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "wsclient",
            dependencies: [
                nio("NIOConcurrencyHelpers"),
                "WSEventCore", "WSEventCLI",
                nio("NIOCore"),
                nio("NIOPosix"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The load generator's machinery: subscribers, publishers, accounting and /proc readings
        // against any server by URL (ours or another). Knows nothing of our server's internals.
        .target(
            name: "WSEventLoad",
            dependencies: [
                "WSEventWebSocket",
                nio("NIOCore"),
                nio("NIOConcurrencyHelpers"),
                nio("NIOPosix"),
                nio("NIOHTTP1"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "wsevent-bench",
            dependencies: [
                "WSEventLoad",
                "WSEventWebSocket",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOWebSocket"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "WSEventCore", "WSEventPostgres",
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        // Tests mirror the targets: unit tests (EmbeddedChannel for handlers) and integration
        // tests on real sockets; TestSupport spawns servers and binaries for all of them.
        .testTarget(
            name: "WSEventWebSocketTests",
            dependencies: [
                nio("NIOConcurrencyHelpers"),
                "WSEventWebSocket", "WSEventCore", "TestSupport",
                nio("NIOCore"),
                nio("NIOEmbedded"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
            ]
        ),
        .testTarget(
            name: "WSEventStreamsTests",
            dependencies: [
                nio("NIOConcurrencyHelpers"),
                "WSEventStreams", "WSEventCore", "TestSupport",
                nio("NIOCore"),
                nio("NIOPosix"),
                nio("NIOEmbedded"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
            ]
        ),
        .testTarget(
            name: "WSEventTransportsTests",
            dependencies: [
                "WSEventWebSocket", nio("NIOConcurrencyHelpers"),
                "WSEventTransports", "WSEventCore", "TestSupport",
                nio("NIOCore"),
                nio("NIOEmbedded"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
            ]
        ),
        .testTarget(
            name: "WSEventRolesTests",
            dependencies: [
                nio("NIOPosix"), .product(name: "Logging", package: "swift-log"),
                nio("NIOConcurrencyHelpers"),
                "WSEventRoles", "WSEventCore", "TestSupport",
                nio("NIOCore"),
                nio("NIOEmbedded"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
            ]
        ),
        .testTarget(
            name: "WSEventServiceTests",
            dependencies: [
                nio("NIOConcurrencyHelpers"),
                "WSEventService", "WSEventCore", "TestSupport",
                nio("NIOCore"),
                nio("NIOEmbedded"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "WSEventCLITests",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "WSEventCLI", "WSEventCore", "WSEventPostgres", "WSEventBridges", "TestSupport",
                nio("NIOCore"),
                nio("NIOEmbedded"),
                nio("NIOHTTP1"),
                nio("NIOWebSocket"),
            ]
        ),
        .testTarget(
            name: "WSEventPostgresTests",
            dependencies: [
                "WSEventPostgres", "WSEventCore", "TestSupport",
                nio("NIOCore"),
                nio("NIOPosix"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The bridges: their pure bookkeeping, and the NATS client layer on a throw-away
        // nats-server (Tests/TestSupport/NATSServer.swift).
        .testTarget(
            name: "WSEventBridgesTests",
            dependencies: [
                "WSEventBridges", "WSEventCore", "TestSupport",
                nio("NIOCore"),
                nio("NIOConcurrencyHelpers"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "WSEventLoadTests",
            dependencies: [
                "WSEventLoad", "WSEventCore", "TestSupport",
                nio("NIOCore"),
                nio("NIOPosix"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                nio("NIOConcurrencyHelpers"),
                "WSEventCore", "TestSupport",
                nio("NIOCore"),
                nio("NIOWebSocket"),
            ]
        ),
    ]
)
