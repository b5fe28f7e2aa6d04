import Foundation
import NIOCore
import Testing
import TestSupport

@testable import WSEventService
import WSEventCore

/// `/healthz` says whether the instance can serve, in JSON any client can parse; `/livez` only
/// that the process runs.
@Suite struct HealthEndpointsTests {
    typealias Connection = ServiceHTTPHandlerTests.Connection

    @Test func drainingIs503WithTheReasonWhileLivezStays200() throws {
        let lifecycle = ServerLifecycle()
        let connection = try Connection(lifecycle: lifecycle)
        #expect(try connection.exchange(.GET, "/healthz").status == 200)
        lifecycle.beginDraining()
        let health = try connection.exchange(.GET, "/healthz")
        #expect(health.status == 503)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
        #expect(json["status"] as? String == "unavailable")
        #expect(json["reason"] as? String == "shutting down: draining subscribers")
        let live = try connection.exchange(.GET, "/livez")
        #expect(live.status == 200)
        #expect(live.body == "alive\n")
        #expect(try connection.exchange(.POST, "/livez").status == 405)
    }

    /// On a real server: a relay whose upstream does not answer is not ready, and says why.
    @Test func aRelayWhoseUpstreamDoesNotAnswerIs503() async throws {
        let upstream = try #require(StreamURL("ws://127.0.0.1:1/events"))
        try await withEventServer({ $0.role = .relay(upstream) }) { relay in
            let health = try await HTTPExchange.send(port: relay.port, "GET", "/healthz")
            #expect(health.status == 503)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
            #expect(json["status"] as? String == "unavailable")
            #expect(json["reason"] as? String == "/events has not reached its upstream yet")
            #expect(try await HTTPExchange.send(port: relay.port, "GET", "/livez").status == 200)
        }
    }

    @Test func aPathWithAQuoteAndABackslashIsValidJSON() throws {
        let path = "/a\"b\\c\u{1}"
        let connection = try Connection(stream: WireEventStream(path: path))
        let health = try connection.exchange(.GET, "/healthz")
        #expect(health.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
        #expect((json["streams"] as? [[String: Any]])?.first?["path"] as? String == path)
    }

    @Test func theServerEndpointsAreNeverTopics() {
        for path in ["/healthz", "/livez", "/metrics"] {
            #expect(!ServiceContext.isTopicPath(path))
        }
    }

    /// A subscriber opens a topic whose path has a backslash (a `"` cannot name a topic);
    /// `/healthz` lists it in JSON that parses; `/livez` answers over the socket too.
    @Test func aTopicWithABackslashIsListedInValidJSON() async throws {
        try await withEventServer({ $0.createStreams = true }) { server in
            let subscriber = try RawSocket(port: server.port)
            let (head, _) = try await subscriber.upgrade("/a%5Cb")
            #expect(head.hasPrefix("HTTP/1.1 101"))
            let health = try await HTTPExchange.send(port: server.port, "GET", "/healthz")
            #expect(health.status == 200)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
            let paths = (json["streams"] as? [[String: Any]])?.compactMap { $0["path"] as? String }
            #expect(paths?.contains("/a\\b") == true)
            #expect(try await HTTPExchange.send(port: server.port, "GET", "/livez").status == 200)
        }
    }
}
