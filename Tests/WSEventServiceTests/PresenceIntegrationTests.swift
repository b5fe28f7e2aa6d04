import Foundation
import NIOConcurrencyHelpers
import NIOCore
import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

/// Presence on real sockets: `?presence`, `/healthz`, `/metrics` and the presence stream follow
/// subscribers as they come and go, however they go.
@Suite struct PresenceIntegrationTests {
    struct Answer: Decodable, Equatable {
        var path: String
        var subscribers: Int
        var by_transport: [String: Int]
    }

    func presence(_ server: EventServer, _ path: String = "/events", headers: [String: String] = [:]) async throws -> Answer {
        let answer = try await HTTPExchange.send(port: server.port, "GET", path + "?presence", headers: headers)
        #expect(answer.status == 200, "\(answer.body)")
        #expect(answer.header("Content-Type") == "application/json")
        return try JSONDecoder().decode(Answer.self, from: Data(answer.body.utf8))
    }

    func counts(_ websocket: Int, _ v1: Int, _ sse: Int) -> [String: Int] {
        ["websocket": websocket, "websocket-v1": v1, "sse": sse]
    }

    @Test func countsFollowSubscribersOfEveryTransport() async throws {
        try await withEventServer { server in
            #expect(try await presence(server) == Answer(path: "/events", subscribers: 0, by_transport: counts(0, 0, 0)))
            let plain = try await WebSocketClient.connect(to: server.url())
            let v1 = try await WebSocketClient.connect(to: server.url(), subprotocols: [WireMode.v1Subprotocol])
            let sse = try await SSETestClient(port: server.port, "/events")
            try await eventually("three subscribers") { server.stream.status.subscribers == 3 }
            #expect(try await presence(server) == Answer(path: "/events", subscribers: 3, by_transport: counts(1, 1, 1)))

            let health = try await HTTPExchange.send(port: server.port, "GET", "/healthz")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
            let stream = try #require((json["streams"] as? [[String: Any]])?.first)
            #expect(stream["by_transport"] as? [String: Int] == counts(1, 1, 1))
            #expect(stream["subscribers"] as? Int == 3)

            // Closed properly, the WebSocket way; and the SSE connection simply dropped.
            try await plain.run { _, _ in }
            sse.socket.abort()
            try await eventually("two left") { server.stream.status.subscribers == 1 }
            #expect(try await presence(server) == Answer(path: "/events", subscribers: 1, by_transport: counts(0, 1, 0)))
            try await v1.run { _, _ in }
            try await eventually("none left") { server.stream.status.subscribers == 0 }
            #expect(try await presence(server).by_transport == counts(0, 0, 0))
        }
    }

    /// A client that vanishes without a close frame (a crash: its connection is reset) leaves at
    /// once, WebSocket or SSE.
    @Test func resetConnectionsLeaveAtOnce() async throws {
        try await withEventServer { server in
            let crashing = try RawSocket(port: server.port)
            _ = try await crashing.upgrade("/events", protocols: [WireMode.v1Subprotocol])
            let crashingSSE = try await SSETestClient(port: server.port, "/events")
            let staying = try await WebSocketClient.connect(to: server.url(), subprotocols: [WireMode.v1Subprotocol])
            try await eventually("three subscribers") { server.stream.status.subscribers == 3 }
            #expect(try await presence(server).by_transport == counts(0, 2, 1))
            crashing.abort()
            crashingSSE.socket.abort()
            try await eventually("the reset connections left") { server.stream.status.subscribers == 1 }
            #expect(try await presence(server).by_transport == counts(0, 1, 0))
            try await staying.run { _, _ in }
        }
    }

    /// A client that goes silent (a pulled cable: nothing arrives, not even a reset) leaves when
    /// the keepalive gives up on it. Seen through the stream's presence observer, so no moment
    /// has to be caught.
    @Test func aSilentClientLeavesWhenItsKeepaliveGivesUp() async throws {
        try await withEventServer({
            $0.pingInterval = .milliseconds(100)
            $0.pongTimeout = .milliseconds(200)
            $0.closeTimeout = .milliseconds(100)
        }) { server in
            let changes = NIOLockedValueBox<[String]>([])
            server.stream.observePresence { change in
                changes.withLockedValue { $0.append("\(change.change.rawValue) \(change.kind) \(change.subscribers)") }
            }
            let silent = try RawSocket(port: server.port)
            _ = try await silent.upgrade("/events")
            try await eventually("it joined and left") { changes.withLockedValue { $0.count } == 2 }
            #expect(changes.withLockedValue { $0 } == ["join websocket 1", "leave websocket 0"])
            #expect(try await presence(server).by_transport == counts(0, 0, 0))
            withExtendedLifetime(silent) {}
        }
    }

    @Test func presenceIsCheckedAsASubscribeIsAndOpensNothing() async throws {
        try await withEventServer({ $0.subscribeToken = "s3cret" }) { server in
            let refused = try await HTTPExchange.send(port: server.port, "GET", "/events?presence")
            #expect(refused.status == 401)
            #expect(try await presence(server, headers: ["Authorization": "Bearer s3cret"]).subscribers == 0)
            #expect(try await HTTPExchange.send(port: server.port, "GET", "/nope?presence&token=s3cret").status == 404)
            #expect(try await HTTPExchange.send(port: server.port, "GET", "/events?presence&token=%zz").status == 400)
            // Without ?presence a plain GET is still told how to subscribe.
            #expect(try await HTTPExchange.send(port: server.port, "GET", "/events?token=s3cret").status == 426)
        }
        try await withEventServer({ $0.createStreams = true }) { server in
            // A topic no one opened has nobody, and asking does not open it.
            #expect(try await presence(server, "/orders") == Answer(path: "/orders", subscribers: 0, by_transport: counts(0, 0, 0)))
            #expect(server.registry.stream(at: "/orders") == nil)
            // A browser page of an origin not allowed may not ask.
            let foreign = try await HTTPExchange.send(port: server.port, "GET", "/events?presence", headers: ["Origin": "http://elsewhere.example"])
            #expect(foreign.status == 403)
        }
    }

    @Test func metricsNameTheBusiestPathsAndSumTheRest() async throws {
        try await withEventServer({
            $0.createStreams = true
            $0.presenceMetricPaths = 2
        }) { server in
            let a1 = try await SSETestClient(port: server.port, "/a")
            let a2 = try await WebSocketClient.connect(to: server.url(path: "/a"), subprotocols: [WireMode.v1Subprotocol])
            let b = try await SSETestClient(port: server.port, "/b")
            let c = try await WebSocketClient.connect(to: server.url(path: "/c"))
            try await eventually("four subscribers") { server.registry.all.map(\.status.subscribers).reduce(0, +) == 4 }
            let metrics = try await HTTPExchange.send(port: server.port, "GET", "/metrics").body
            let lines = metrics.split(separator: "\n").filter { $0.hasPrefix("wsevent_topic_subscribers{") }.map(String.init)
            #expect(lines == [
                #"wsevent_topic_subscribers{path="/a",transport="sse"} 1"#,
                #"wsevent_topic_subscribers{path="/a",transport="websocket"} 0"#,
                #"wsevent_topic_subscribers{path="/a",transport="websocket-v1"} 1"#,
                #"wsevent_topic_subscribers{path="/b",transport="sse"} 1"#,
                #"wsevent_topic_subscribers{path="/b",transport="websocket"} 0"#,
                #"wsevent_topic_subscribers{path="/b",transport="websocket-v1"} 0"#,
                #"wsevent_topic_subscribers{path="other",transport="sse"} 0"#,
                #"wsevent_topic_subscribers{path="other",transport="websocket"} 1"#,
                #"wsevent_topic_subscribers{path="other",transport="websocket-v1"} 0"#,
            ])
            #expect(metrics.contains("# TYPE wsevent_topic_subscribers gauge\n"))
            try await a2.run { _, _ in }
            try await c.run { _, _ in }
            withExtendedLifetime((a1, b)) {}
        }
    }

    /// `-presence-stream`: each join and leave of another stream is one JSON event at
    /// `/_presence`, with the counts after it; nobody may publish there.
    @Test func thePresenceStreamCarriesJoinsAndLeaves() async throws {
        try await withEventServer({
            $0.presenceStream = true
            $0.publishToken = "T"
        }) { server in
            let feed = try await SSETestClient(port: server.port, "/_presence")
            #expect(feed.head.status == 200)
            try await eventually("following the presence stream") { server.registry.stream(at: "/_presence")?.status.subscribers == 1 }
            let v1 = try await WebSocketClient.connect(to: server.url(), subprotocols: [WireMode.v1Subprotocol])
            try await eventually("joined") { server.stream.status.subscribers == 1 }
            try await v1.run { _, _ in }
            let events = try await withTimeout(20, "the join and the leave") { try await feed.next(2) }
            #expect(events.map(\.data) == [
                #"{"by_transport":{"sse":0,"websocket":0,"websocket-v1":1},"change":"join","path":"/events","subscribers":1,"transport":"websocket-v1"}"#,
                #"{"by_transport":{"sse":0,"websocket":0,"websocket-v1":0},"change":"leave","path":"/events","subscribers":0,"transport":"websocket-v1"}"#,
            ])
            let epoch = try #require(server.registry.stream(at: "/_presence")?.status.epoch)
            #expect(events.map(\.id) == ["\(epoch).1", "\(epoch).2"])
            // Its own subscriber is counted, not published.
            #expect(try await presence(server, "/_presence").by_transport == counts(0, 0, 1))
            let publish = try await HTTPExchange.send(
                port: server.port, "POST", "/_presence", headers: ["Authorization": "Bearer T", "Content-Type": "text/plain"], body: Array("x".utf8)
            )
            #expect(publish.status == 409)
            #expect(publish.body == "/_presence carries the server's own subscriber joins and leaves: publish elsewhere\n")
        }
    }

    /// Off by default: no stream at `/_presence`.
    @Test func thePresenceStreamIsOffByDefault() async throws {
        try await withEventServer { server in
            let answer = try await HTTPExchange.send(port: server.port, "GET", "/_presence?presence")
            #expect(server.registry.stream(at: "/_presence") == nil)
            #expect(answer.status == 404)
        }
    }
}
