import ArgumentParser
import Logging
import NIOCore
import NIOPosix
import WSEventCore

/// `wsevent-bench fan-out` (the default): how fast one in-process server fans events out to
/// many WebSocket subscribers on this machine.
struct FanOutBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fan-out",
        abstract: "Publish a burst of events to an in-process server and time their delivery to N subscribers."
    )

    @Option(help: "WebSocket subscribers (plain mode)")
    var subscribers = 100

    @Option(help: "Events per round")
    var events = 20_000

    @Option(help: "Payload bytes per event")
    var payload = 40

    @Option(help: "Rounds; the first warms up and is not counted")
    var rounds = 4

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        var configuration = ServiceConfiguration()
        configuration.serveHost = "127.0.0.1"
        configuration.servePort = 0
        configuration.role = .hub
        configuration.maxPendingBytes = 64 << 20
        let server = try await EventServer.bind(configuration: configuration, logger: logger)
        let running = Task { try await server.run() }
        defer { running.cancel() }

        let counter = Counter()
        var channels: [Channel] = []
        for _ in 0..<subscribers {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            CountingSubscriber(host: "127.0.0.1:\(server.port)", target: "/events", counter: counter)
                        )
                    }
                }
                .connect(host: "127.0.0.1", port: server.port)
                .get()
            channels.append(channel)
        }
        while counter.totals.connected < subscribers || server.stream.status.subscribers < subscribers {
            try await Task.sleep(for: .milliseconds(10))
        }
        let body = ByteBuffer(repeating: UInt8(ascii: "x"), count: payload)
        print("subscribers=\(subscribers) events/round=\(events) payload=\(payload)B cores=\(System.coreCount)")
        var rates: [Double] = []
        for round in 0..<rounds {
            let before = counter.totals.received
            let target = before + subscribers * events
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<events { try server.stream.publish(kind: .text, payload: body) }
            let published = clock.now - start
            while counter.totals.received < target { try await Task.sleep(for: .milliseconds(1)) }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let delivered = Double(subscribers * events) / seconds
            let eventsPerSecond = Double(events) / seconds
            print(
                "round \(round)\(round == 0 ? " (warm-up)" : ""): \(Int(eventsPerSecond)) events/s, "
                    + "\(Int(delivered)) messages/s delivered, publish loop \(published), all delivered after \(elapsed)"
            )
            if round > 0 { rates.append(eventsPerSecond) }
        }
        if !rates.isEmpty {
            let sorted = rates.sorted()
            print("median: \(Int(sorted[sorted.count / 2])) events/s to \(subscribers) subscribers = \(Int(sorted[sorted.count / 2] * Double(subscribers))) messages/s")
        }
        for channel in channels { channel.close(promise: nil) }
    }
}
