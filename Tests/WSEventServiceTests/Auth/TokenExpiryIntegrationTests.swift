import Foundation
import Testing

import TestSupport
import WSEventCore

/// A subscription ends when its token does: WebSocket with close code 4401, SSE by ending the
/// response; what was published before the end was delivered, nothing after.
@Suite struct TokenExpiryIntegrationTests {
    @Test func aWebSocketClosesWith4401AndSSEEndsAtTheTokensExpiry() async throws {
        let keys = try await TestJWTKeys()
        try await withEventServer({
            $0.jwt = keys.settings()
            $0.publishToken = "P"
        }) { server in
            // Published first and replayed (since=0): nothing here waits on the clock but the
            // token's own two seconds.
            let published = try await HTTPExchange.send(
                port: server.port, "POST", "/events", headers: ["Authorization": "Bearer P", "Content-Type": "text/plain"], body: Array("before".utf8)
            )
            #expect(published.status == 200)
            let token = try await keys.token(.es256, subscribe: ["/events"], expiresIn: 2)
            let socket = try RawSocket(port: server.port)
            let (head, rest) = try await socket.upgrade("/events?since=0", protocols: ["wsevent.v1"], extraHeaders: "Authorization: Bearer \(token)\r\n")
            #expect(head.hasPrefix("HTTP/1.1 101"))
            let sse = try await SSETestClient(port: server.port, "/events?since=0", headers: ["Authorization": "Bearer \(token)"])
            #expect(sse.head.status == 200)

            let frames = await socket.receiveFramesUntilClose(after: rest)
            #expect(frames.last?.closeCode == 4401, "\(frames.map(\.opcode))")
            #expect(frames.filter { $0.opcode == 1 }.map { String(decoding: $0.payload, as: UTF8.self) }.last == "1\nbefore")
            let events = try await sse.next(10)
            #expect(events.map(\.data) == ["before"], "the stream ended after its one event")
            try await eventually("both left") { server.stream.status.subscribers == 0 }
            let metrics = try await HTTPExchange.send(port: server.port, "GET", "/metrics")
            #expect(metrics.body.contains("wsevent_expired_subscriptions_total 2"), "\(metrics.body)")
        }
    }

    @Test func aTokenThatExpiredBeforeItWasUsedIsRefused() async throws {
        let keys = try await TestJWTKeys()
        try await withEventServer({ $0.jwt = keys.settings() }) { server in
            let token = try await keys.token(.hs256, subscribe: ["/events"], expiresIn: -1)
            let answer = try await AccessProbe.answer(port: server.port, .webSocket, "/events", headers: ["Authorization": "Bearer \(token)"])
            #expect(answer.status == 401)
            #expect(answer.body == "the token expired: get a fresh one\n")
            let metrics = try await HTTPExchange.send(port: server.port, "GET", "/metrics")
            #expect(metrics.body.contains(#"wsevent_refusals_total{reason="expired"} 1"#), "\(metrics.body)")
        }
    }
}
