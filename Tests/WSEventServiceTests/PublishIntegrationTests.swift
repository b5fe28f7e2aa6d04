import Foundation
import NIOCore
import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

/// `POST /<path>` on real sockets.
@Suite struct PublishIntegrationTests {
    let token = ["Authorization": "Bearer s3cret"]

    func post(_ server: EventServer, _ path: String = "/events", headers: [String: String] = ["Authorization": "Bearer s3cret"], body: String) async throws -> HTTPExchange {
        try await HTTPExchange.send(port: server.port, "POST", path, headers: headers.merging(["Content-Type": "text/plain"]) { a, _ in a }, body: Array(body.utf8))
    }

    @Test func publishedEventReachesWebSocketAndSSESubscribersWithTheSameId() async throws {
        try await withEventServer({ $0.publishToken = "s3cret" }) { server in
            async let plain = TestClient.collect(server.url(), count: 1)
            async let v1 = TestClient.collect(server.url(), v1: true, count: 2)
            let sse = try await SSETestClient(port: server.port, "/events")
            #expect(sse.head.status == 200)
            #expect(sse.head.header("Content-Type") == "text/event-stream; charset=utf-8")
            #expect(sse.head.header("Cache-Control") == "no-cache")
            #expect(sse.head.header("X-Accel-Buffering") == "no")
            try await eventually("three subscribers") { server.stream.status.subscribers == 3 }

            let answer = try await post(server, body: "hello\nworld")
            #expect(answer.status == 200)
            #expect(answer.body == "{\"id\":1,\"epoch\":\"\(server.stream.status.epoch)\"}\n")

            #expect(try await plain.texts == ["hello\nworld"])
            #expect(try await v1.v1.last?.header == .event(id: 1))
            #expect(try await v1.v1.last?.payload == "hello\nworld")
            let events = try await sse.next(1)
            #expect(events.first?.id == "\(server.stream.status.epoch).1")
            #expect(events.first?.data == "hello\nworld")
        }
    }

    @Test func binaryUnlessTheContentTypeIsText() async throws {
        try await withEventServer({ $0.publishToken = "s3cret" }) { server in
            async let v1 = TestClient.collect(server.url(), v1: true, count: 2)
            try await eventually("subscribed") { server.stream.status.subscribers == 1 }
            let answer = try await HTTPExchange.send(
                port: server.port, "POST", "/events", headers: token.merging(["Content-Type": "application/octet-stream"]) { a, _ in a },
                body: [0, 255, 10]
            )
            #expect(answer.status == 200)
            let message = try await v1.messages.last
            #expect(message?.kind == .binary)
        }
    }

    @Test func refusalsAddNothing() async throws {
        try await withEventServer({
            $0.publishToken = "s3cret"
            $0.maxMessageSize = 1024
        }) { server in
            #expect(try await post(server, headers: [:], body: "x").status == 401)
            let wrong = try await post(server, headers: ["Authorization": "Bearer nope"], body: "x")
            #expect(wrong.status == 401)
            #expect(wrong.header("WWW-Authenticate") == "Bearer")
            #expect(try await post(server, body: String(repeating: "x", count: 2000)).status == 413)
            let invalidUTF8 = try await HTTPExchange.send(
                port: server.port, "POST", "/events", headers: token.merging(["Content-Type": "text/plain"]) { a, _ in a }, body: [0xC3, 0x28]
            )
            #expect(invalidUTF8.status == 400)
            #expect(try await post(server, "/missing", body: "x").status == 404)
            #expect(try await post(server, headers: ["Authorization": "Bearer s3cret", "Origin": "http://evil.example"], body: "x").status == 403)
            // Nothing above was added: the next event gets id 1.
            #expect(try await post(server, body: "first").body.hasPrefix("{\"id\":1,"))
        }
    }

    @Test func withoutATokenPublishingIsOffAndSaysHowToTurnItOn() async throws {
        try await withEventServer { server in
            let answer = try await post(server, body: "x")
            #expect(answer.status == 403)
            #expect(answer.body.contains("-publish-token"))
            #expect(server.stream.status.lastID == 0)
        }
    }

    @Test func createStreamsLetsAPublishCreateOne() async throws {
        try await withEventServer({
            $0.publishToken = "s3cret"
            $0.createStreams = true
        }) { server in
            let created = try await post(server, "/fresh", body: "x")
            #expect(created.status == 200)
            let fresh = server.registry.stream(at: "/fresh")
            #expect(fresh?.status.lastID == 1)
        }
    }

    @Test func aRelaysStreamRefusesWith409() async throws {
        try await withEventServer({ $0.publishToken = "s3cret" }) { origin in
            try await withEventServer({
                $0.publishToken = "s3cret"
                $0.role = .relay(StreamURL(origin.url))
            }) { relay in
                try await eventually("the relay reached its upstream") { relay.stream.isReady }
                try await eventually("the link shows as connected") { relay.upstreams.all.first?.state == .connected }
                let health = try await HTTPExchange.send(port: relay.port, "GET", "/healthz")
                #expect(health.status == 200)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
                let links = try #require(json["upstreams"] as? [[String: Any]])
                #expect(links.count == 1)
                #expect(links.first?["url"] as? String == origin.url.description)
                #expect(links.first?["state"] as? String == "connected")
                #expect(links.first?["reconnects"] as? Int == 0)
                let answer = try await post(relay, body: "x")
                #expect(answer.status == 409)
                #expect(answer.body.contains(origin.url.description))
            }
        }
    }

    @Test func aRelayCarriesAnEventOfTheFullMessageSize() async throws {
        try await withEventServer({
            $0.publishToken = "s3cret"
            $0.maxMessageSize = 1024
        }) { origin in
            try await withEventServer({
                $0.maxMessageSize = 1024
                $0.role = .relay(StreamURL(origin.url))
            }) { relay in
                try await eventually("the relay reached its upstream") { relay.stream.isReady }
                let full = String(repeating: "x", count: 1024)
                #expect(try await post(origin, body: full).status == 200)
                try await eventually("the relay mirrored it") { relay.stream.status.lastID == 1 }
                let received = try await TestClient.collectEvents(relay.url(query: "since=0"), count: 1)
                #expect(received.v1.last?.payload == full)
            }
        }
    }

    @Test func preflightAnswersAllowedOriginsOnly() async throws {
        try await withEventServer({ $0.allowedOrigins = ["https://app.example"] }) { server in
            let allowed = try await HTTPExchange.send(
                port: server.port, "OPTIONS", "/events",
                headers: ["Origin": "https://app.example", "Access-Control-Request-Method": "POST"]
            )
            #expect(allowed.status == 204)
            #expect(allowed.header("Access-Control-Allow-Origin") == "https://app.example")
            #expect(allowed.header("Access-Control-Allow-Methods")?.contains("POST") == true)
            #expect(allowed.header("Access-Control-Allow-Headers")?.contains("Authorization") == true)
            #expect(allowed.header("Vary") == "Origin")
            let refused = try await HTTPExchange.send(port: server.port, "OPTIONS", "/events", headers: ["Origin": "https://evil.example"])
            #expect(refused.status == 403)
        }
    }
}
