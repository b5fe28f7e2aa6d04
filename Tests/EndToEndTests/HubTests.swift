import Foundation
import TestSupport
import Testing

/// `wsevent-service -no-produce -publish-token T`: the publish-only hub, with the built binaries.
/// Publishes are the request `curl -H 'Authorization: Bearer T' -d ... URL` sends.
@Suite struct HubTests {
    struct Health: Decodable {
        struct Stream: Decodable {
            var path: String
            var last_id: UInt64
            var subscribers: Int
        }

        var role: String
        var streams: [Stream]
    }

    static func health(_ port: Int) async throws -> Health {
        let reply = try await HTTPExchange.send(port: port, "GET", "/healthz")
        return try JSONDecoder().decode(Health.self, from: Data(reply.body.utf8))
    }

    static func publish(_ text: String, port: Int, path: String = "/events") async throws -> HTTPExchange {
        try await HTTPExchange.send(
            port: port, "POST", path, headers: ["Authorization": "Bearer T", "Content-Type": "text/plain"], body: Array(text.utf8)
        )
    }

    @Test func curlPublishesAndWSClientAndSSESubscribersGetEachEvent() async throws {
        let hub = try await ServiceProcess(["-no-produce", "-publish-token", "T", "-serve-address", "127.0.0.1:0"])
        let port = hub.port
        #expect(try await hub.process.waitForLog("serving ws://").hasSuffix("serving ws://127.0.0.1:\(port)/events as hub"))
        let health = try await Self.health(port)
        #expect(health.role == "hub")
        #expect(health.streams.map(\.path) == ["/events"])

        let client = try ManagedProcess(Binaries.client, ["\(port)", "events", "--json", "--count", "2"])
        let sse = try await SSETestClient(port: port, "/events")
        try await eventually("both subscribers joined") { try await Self.health(port).streams.first?.subscribers == 2 }
        // Nothing was generated while they joined: a hub has only what is published.
        #expect(try await Self.health(port).streams.first?.last_id == 0)

        #expect(try await Self.publish("hello\n", port: port).body.hasPrefix("{\"id\":1,"))
        #expect(try await Self.publish("world\n", port: port).body.hasPrefix("{\"id\":2,"))
        #expect(try await client.waitForExit() == 0, "\(client.stderr)")
        let events = try JSONEvent.parseLines(client.stdout)
        #expect(events.map(\.id) == [1, 2])
        #expect(events.map(\.payload) == ["hello\n", "world\n"])
        #expect(try await sse.next(2).map(\.data) == ["hello\n", "world\n"])
    }

    @Test func aSubscriberOpensATopicAndItIsRemovedWhenIdle() async throws {
        let hub = try await ServiceProcess(
            ["-no-produce", "-publish-token", "T", "-create-streams", "-stream-idle-timeout", "200ms", "-serve-address", "127.0.0.1:0"]
        )
        let port = hub.port
        // A subscriber before any publish, as a browser listening on a new topic is.
        let client = try ManagedProcess(Binaries.client, ["\(port)", "news", "--count", "1"])
        try await eventually("the subscriber opened /news") {
            try await Self.health(port).streams.contains { $0.path == "/news" && $0.subscribers == 1 }
        }
        #expect(try await Self.publish("breaking\n", port: port, path: "/news").status == 200)
        #expect(try await client.waitForExit() == 0, "\(client.stderr)")
        #expect(client.stdout == "breaking\n")

        // Its subscriber gone and nothing published, /news is removed; /events stays.
        try await eventually("the idle /news is removed") { try await Self.health(port).streams.map(\.path) == ["/events"] }
        // The topic opens again on the next publish, with ids from 1.
        #expect(try await Self.publish("later\n", port: port, path: "/news").body.hasPrefix("{\"id\":1,"))
    }

    @Test func aHubWithoutAPublishTokenExitsTwoSayingToGiveOne() async throws {
        let process = try ManagedProcess(Binaries.service, ["-no-produce"])
        #expect(try await process.waitForExit() == 2)
        let lines = process.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(process.stderr)")
        #expect(lines.first?.hasPrefix("wsevent-service: -no-produce without an upstream runs a hub") == true)
        #expect(lines.first?.contains("-publish-token") == true)
    }

    @Test func theSeedsDefaultStillProducesAndNamesItsRole() async throws {
        let producer = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "10ms"])
        #expect(try await producer.process.waitForLog("serving ws://").hasSuffix("/events as producer"))
        #expect(try await Self.health(producer.port).role == "producer")
        let page = try await HTTPExchange.send(port: producer.port, "GET", "/")
        #expect(page.status == 200)
    }
}
