import Foundation
import NIOCore
import TestSupport
import Testing
import WSEventCore

/// The built binaries behind nginx, as `scripts/wsproxy` runs it (scripts/config/nginx.conf):
/// one origin, relays of it as the balanced instances, POSTs routed to the origin.
/// nginx must be installed (scripts/test installs it); without it these tests fail.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ReverseProxyTests {
    static let token = "t"

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// One `/events` entry of `/healthz`.
    struct StreamHealth: Decodable {
        var path: String
        var epoch: String
        var last_id: UInt64
        var source: String
        var subscribers: Int
    }

    struct Health: Decodable {
        var streams: [StreamHealth]
    }

    struct Published: Decodable {
        var id: UInt64
        var epoch: String
    }

    static func health(_ port: Int) async throws -> StreamHealth {
        let reply = try await HTTPExchange.send(port: port, "GET", "/healthz")
        let health = try JSONDecoder().decode(Health.self, from: Data(reply.body.utf8))
        guard let events = health.streams.first(where: { $0.path == "/events" }) else {
            throw Failure("/events in the /healthz of port \(port): \(reply.body)")
        }
        return events
    }

    /// POST through `port` (nginx) with the token; the id and epoch the origin gave the event.
    static func publish(_ text: String, port: Int) async throws -> Published {
        let reply = try await HTTPExchange.send(
            port: port,
            "POST",
            "/events",
            headers: ["Authorization": "Bearer \(token)", "Content-Type": "text/plain"],
            body: Array(text.utf8)
        )
        guard reply.status == 200 else {
            throw Failure("a 200 for the publish of '\(text)' through nginx, got \(reply.status): \(reply.body)")
        }
        return try JSONDecoder().decode(Published.self, from: Data(reply.body.utf8))
    }

    /// The origin, `relayCount` relays of it (each mirroring already), and nginx over the relays
    /// with POSTs going to the origin.
    static func start(
        relayCount: Int,
        originFlags: [String]
    ) async throws -> (origin: ServiceProcess, relays: [ServiceProcess], proxy: NginxProcess) {
        _ = try NginxProcess.executable()  // fail first, and clearly, without nginx
        let origin = try await ServiceProcess(
            ["-serve-address", "127.0.0.1:0", "-publish-token", token, "-buffer", "100000"] + originFlags
        )
        var relays: [ServiceProcess] = []
        for _ in 0..<relayCount {
            relays.append(
                try await ServiceProcess([
                    "-no-produce", "-buffer", "100000", "-serve-address", "127.0.0.1:0",
                    "-consume-address", "127.0.0.1:\(origin.port)", "-consume-path", "events",
                ])
            )
        }
        // A relay answers 503 until it reached the origin; nginx would leave it out for a while.
        for relay in relays {
            try await eventually("the relay on port \(relay.port) to mirror the origin", timeout: 30) {
                (try? await health(relay.port))?.source == "mirror"
            }
        }
        let proxy = try await NginxProcess(backends: relays.map(\.port), origin: origin.port)
        return (origin, relays, proxy)
    }

    static func subscriberCounts(_ relays: [ServiceProcess]) async throws -> [Int] {
        var counts: [Int] = []
        for relay in relays { counts.append(try await health(relay.port).subscribers) }
        return counts
    }

    /// Reads SSE events until the one whose data is `data` (bounded).
    static func nextSSE(_ client: SSETestClient, data: String, timeout: Double = 20) async throws -> SSEParser.Message {
        try await withTimeout(timeout, "the SSE event '\(data)' through nginx") {
            while true {
                let messages = try await client.next(1)
                if messages.isEmpty { throw Failure("the SSE stream through nginx ended before '\(data)'") }
                if let message = messages.first(where: { $0.data == data }) { return message }
            }
        }
    }

    @Test func subscribersSpreadOverRelaysAndResumeOnTheOthersWhenOneIsKilled() async throws {
        let (origin, relays, proxy) = try await Self.start(relayCount: 3, originFlags: ["-interval", "20ms"])
        // Enough events ahead that the clients are still running when the relay dies (~15 s of
        // production); they replay the earlier ones from id 1.
        let count = Int(try await Self.health(origin.port).last_id) + 750
        let clients = try (0..<30).map { _ in
            try ManagedProcess(
                Binaries.client,
                ["\(proxy.port)", "events", "--json", "--since", "0", "--count", "\(count)", "--timeout", "150s"]
            )
        }

        // nginx's round robin puts subscribers on every relay.
        try await eventually("30 subscribers on the three relays, each with some", timeout: 60) {
            let counts = try await Self.subscriberCounts(relays)
            return counts.reduce(0, +) == 30 && counts.allSatisfy { $0 > 0 }
        }
        let spread = try await Self.subscriberCounts(relays)
        #expect(clients.allSatisfy { $0.isRunning }, "a client finished before the relay was killed; raise the count")

        // Kill one relay hard; its subscribers reconnect through nginx to the other two.
        let victim = relays[1]
        victim.process.signal(SIGKILL)
        _ = try await victim.process.waitForExit()
        let survivors = [relays[0], relays[2]]
        try await eventually("the 30 subscribers on the two remaining relays", timeout: 30) {
            try await Self.subscriberCounts(survivors).reduce(0, +) == 30
        }

        for client in clients {
            #expect(try await client.waitForExit(timeout: 150) == 0, "\(client.stderr)")
        }
        var reconnected = 0
        for client in clients {
            let events = try JSONEvent.parseLines(client.stdout)
            #expect(events.allSatisfy { $0.kind == "text" }, "gaps through nginx: \(events.filter { $0.kind != "text" })")
            let ids = events.compactMap(\.id)
            #expect(ids == Array(1...UInt64(count)), "holes or duplicates: \(ids.count) ids, first \(ids.first ?? 0), last \(ids.last ?? 0)")
            if client.stderr.contains("wsclient: reconnected") { reconnected += 1 }
        }
        #expect(reconnected == spread[1], "relay counts before the kill \(spread); \(reconnected) clients reconnected")
        withExtendedLifetime((origin, relays, proxy)) {}
    }

    @Test func sseThroughNginxIsNotBuffered() async throws {
        let (origin, relays, proxy) = try await Self.start(relayCount: 2, originFlags: ["-interval", "1h"])
        let client = try await SSETestClient(port: proxy.port, "/events")
        #expect(client.head.status == 200)
        #expect(client.head.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        #expect(client.head.header("Cache-Control") == "no-cache")
        try await eventually("the SSE subscriber to be on a relay") {
            try await Self.subscriberCounts(relays).reduce(0, +) == 1
        }
        // Each event must come through before the next is published: a buffering proxy would
        // hold these few small events back.
        for n in 1...5 {
            let text = "unbuffered \(n)"
            let published = try await Self.publish(text, port: proxy.port)
            let message = try await Self.nextSSE(client, data: text)
            #expect(message.id == "\(published.epoch).\(published.id)")
        }
        withExtendedLifetime((origin, relays, proxy)) {}
    }

    @Test func publishThroughNginxReachesWebSocketAndSSESubscribers() async throws {
        let (origin, relays, proxy) = try await Self.start(relayCount: 3, originFlags: ["-interval", "1h"])
        let url = WebSocketURL(host: "127.0.0.1", port: proxy.port, path: "/events")
        var sockets: [WebSocketConnection] = []
        for _ in 0..<3 {
            sockets.append(try await WebSocketClient.connect(to: url, subprotocols: [WireMode.v1Subprotocol]))
        }
        var sseClients: [SSETestClient] = []
        for _ in 0..<3 { sseClients.append(try await SSETestClient(port: proxy.port, "/events")) }
        #expect(sockets.allSatisfy { $0.subprotocol == WireMode.v1Subprotocol })
        #expect(sseClients.allSatisfy { $0.head.status == 200 })
        try await eventually("six subscribers, spread over the relays") {
            let counts = try await Self.subscriberCounts(relays)
            return counts.reduce(0, +) == 6 && counts.allSatisfy { $0 > 0 }
        }

        let text = "to everyone"
        let published = try await Self.publish(text, port: proxy.port)
        #expect(try await Self.health(origin.port).last_id == published.id)

        for socket in sockets {
            let (epoch, id) = try await withTimeout(20, "the published event on a WebSocket through nginx") {
                try await socket.run { inbound, _ -> (String?, UInt64?) in
                    var epoch: String?
                    for try await message in inbound {
                        guard let (header, payload) = V1Header.parse(message.data) else { continue }
                        switch header {
                        case .hello(let helloEpoch, _): epoch = helloEpoch.rawValue
                        case .event(let id) where String(buffer: payload) == text: return (epoch, id)
                        default: continue
                        }
                    }
                    return (epoch, nil)
                }
            }
            #expect(id == published.id)
            #expect(epoch == published.epoch)
        }
        for client in sseClients {
            let message = try await Self.nextSSE(client, data: text)
            #expect(message.id == "\(published.epoch).\(published.id)")
        }
        withExtendedLifetime((origin, relays, proxy)) {}
    }
}
