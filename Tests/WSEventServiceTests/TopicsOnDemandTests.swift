import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

@testable import WSEventService
import WSEventCore

/// `-create-streams` on real sockets: any path is a topic, opened by a subscriber or a publish,
/// bounded by `-max-streams` and removed when idle.
@Suite struct TopicsOnDemandTests {
    let token = ["Authorization": "Bearer T", "Content-Type": "text/plain"]

    func topics(_ configuration: inout ServiceConfiguration) {
        configuration.publishToken = "T"
        configuration.createStreams = true
    }

    func post(_ server: EventServer, _ path: String, _ body: String) async throws -> HTTPExchange {
        try await HTTPExchange.send(port: server.port, "POST", path, headers: token, body: Array(body.utf8))
    }

    @Test func aSubscriberOpensATopicBeforeItsFirstPublish() async throws {
        try await withEventServer(topics) { server in
            let url = WebSocketURL(host: "127.0.0.1", port: server.port, path: "/news")
            async let v1 = TestClient.collect(url, v1: true, count: 2)
            let sse = try await SSETestClient(port: server.port, "/weather")
            #expect(sse.head.status == 200)
            try await eventually("both topics have their subscriber") {
                server.registry.stream(at: "/news")?.status.subscribers == 1
                    && server.registry.stream(at: "/weather")?.status.subscribers == 1
            }

            #expect(try await post(server, "/news", "extra").body.hasPrefix("{\"id\":1,"))
            #expect(try await post(server, "/weather", "sunny").body.hasPrefix("{\"id\":1,"))
            let received = try await v1.v1
            #expect(received.first?.header == .hello(epoch: server.registry.stream(at: "/news")!.status.epoch, lastID: 0))
            #expect(received.last?.header == .event(id: 1))
            #expect(received.last?.payload == "extra")
            #expect(try await sse.next(1).first?.data == "sunny")
            #expect(server.stream.status.lastID == 0)
        }
    }

    @Test func onlyARequestThatSubscribesOpensATopic() async throws {
        try await withEventServer({
            topics(&$0)
            $0.subscribeToken = "S"
        }) { server in
            let plain = try await HTTPExchange.send(port: server.port, "GET", "/news?token=S")
            #expect(plain.status == 426)
            #expect(plain.body.contains("/news is an event stream"))
            let refused = try await HTTPExchange.send(port: server.port, "GET", "/news", headers: ["Accept": "text/event-stream"])
            #expect(refused.status == 401)
            #expect(try await HTTPExchange.send(port: server.port, "GET", "/a/../b", headers: ["Accept": "text/event-stream"]).status == 404)
            #expect(server.registry.all.map(\.path) == ["/events"])
        }
    }

    @Test func withoutCreateStreamsAnUnknownPathIsStill404() async throws {
        try await withEventServer({ $0.publishToken = "T" }) { server in
            let subscribe = try await HTTPExchange.send(port: server.port, "GET", "/news", headers: ["Accept": "text/event-stream"])
            #expect(subscribe.status == 404)
            let publish = try await post(server, "/news", "x")
            #expect(publish.status == 404)
            #expect(server.registry.count == 1)
        }
    }

    @Test func overTheLimitSubscribersAndPublishersGet503() async throws {
        try await withEventServer({
            topics(&$0)
            $0.maxStreams = 2  // /events and one topic
        }) { server in
            #expect(try await post(server, "/first", "x").status == 200)
            let publish = try await post(server, "/second", "x")
            #expect(publish.status == 503)
            #expect(publish.body.contains("-max-streams"))
            let sse = try await HTTPExchange.send(port: server.port, "GET", "/second", headers: ["Accept": "text/event-stream"])
            #expect(sse.status == 503)
            #expect(sse.body == "cannot open a stream at /second: the server hosts 2 streams, its limit (-max-streams); retry later\n")
            let (head, _) = try await RawSocket(port: server.port).upgrade("/second")
            #expect(head.hasPrefix("HTTP/1.1 503"))
            // Streams that exist are served as before.
            #expect(try await post(server, "/first", "y").body.hasPrefix("{\"id\":2,"))
        }
    }

    @Test func idleTopicsAreRemovedWhileTopicsInUseAndTheServePathStay() async throws {
        try await withEventServer({
            topics(&$0)
            $0.streamIdleTimeout = .milliseconds(200)
        }) { server in
            var kept: SSETestClient? = try await SSETestClient(port: server.port, "/kept")
            try await eventually("/kept has its subscriber") { server.registry.stream(at: "/kept")?.status.subscribers == 1 }
            let first = try await post(server, "/idle", "x")
            #expect(first.status == 200)
            try await eventually("/idle is removed") { server.registry.stream(at: "/idle") == nil }
            // /kept went without an event longer than /idle did: only its subscriber kept it.
            #expect(server.registry.all.map(\.path) == ["/events", "/kept"])
            let health = try await HTTPExchange.send(port: server.port, "GET", "/healthz")
            #expect(!health.body.contains("/idle"))

            #expect(kept?.head.status == 200)
            kept = nil  // closes the connection: the last subscriber leaves
            try await eventually("/kept is removed once its subscriber left") { server.registry.stream(at: "/kept") == nil }
            #expect(server.registry.stream(at: "/events") === server.stream)

            // The path opens again: a new stream, a new epoch, ids from 1.
            let again = try await post(server, "/idle", "y")
            #expect(again.body.hasPrefix("{\"id\":1,"))
            #expect(again.body != first.body)
        }
    }

    @Test func aPublishWhoseTopicWasRemovedWhileItsBodyArrivedOpensItAgain() throws {
        var configuration = ServiceConfiguration()
        topics(&configuration)
        let registry = StreamRegistry([WireEventStream(path: "/events")])
        let context = ServiceContext(registry: registry, configuration: configuration, upstreams: UpstreamLinks())
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/topic", headers: ["Authorization": "Bearer T"])
        let request = try PublishAdmission.admit(head, context: context).get()
        let checked = try #require(registry.stream(at: "/topic"))
        #expect(registry.removeIdleStreams(idleSince: .now() + .hours(1)) == ["/topic"])

        let answer = try request.publish(ByteBuffer(string: "x")).get()
        let reopened = try #require(registry.stream(at: "/topic"))
        #expect(reopened !== checked)
        #expect(answer == "{\"id\":1,\"epoch\":\"\(reopened.status.epoch)\"}\n")
        #expect(reopened.status.lastID == 1)
    }

    /// `withEventServer` leaves the role and the page at the library's defaults.
    @Test func theLibrarysDefaultConfigurationIsAHubThatPublishesNothingByItself() async throws {
        try await withEventServer({ $0.publishToken = "T" }) { server in
            try await expectAQuietHub(server)
        }
    }

    func expectAQuietHub(_ server: EventServer) async throws {
        let health = try await HTTPExchange.send(port: server.port, "GET", "/healthz")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
        #expect(json["status"] as? String == "ok")
        #expect(json["role"] as? String == "hub")
        #expect(try await HTTPExchange.send(port: server.port, "GET", "/").status == 404)
        async let v1 = TestClient.collect(server.url, v1: true, count: 2)
        try await eventually("subscribed") { server.stream.status.subscribers == 1 }
        #expect(try await post(server, "/events", "mine").status == 200)
        // The subscriber was told the stream was empty when it joined, and the first event in
        // it is the program's own.
        let received = try await v1.v1
        #expect(received.first?.header == .hello(epoch: server.stream.status.epoch, lastID: 0))
        #expect(received.last?.header == .event(id: 1))
        #expect(received.last?.payload == "mine")
    }
}
