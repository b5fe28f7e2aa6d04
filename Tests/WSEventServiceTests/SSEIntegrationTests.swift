import NIOCore
import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

/// SSE subscribers on real sockets.
@Suite struct SSEIntegrationTests {
    @Test func resumeWithLastEventIDGetsExactlyTheMissingEvents() async throws {
        try await withEventServer { server in
            try server.publish(10)
            let epoch = server.stream.status.epoch
            let byHeader = try await SSETestClient(port: server.port, "/events", headers: ["Last-Event-ID": "\(epoch).6"])
            let headerEvents = try await byHeader.next(4)
            #expect(headerEvents.map(\.id) == (7...10).map { "\(epoch).\($0)" })
            #expect(headerEvents.map(\.data) == (6..<10).map { "event \($0)" })

            let byQuery = try await SSETestClient(port: server.port, "/events?last_event_id=\(epoch).8")
            #expect(try await byQuery.next(2).map(\.id) == ["\(epoch).9", "\(epoch).10"])
        }
    }

    @Test func gapEventWhenTheBufferNoLongerReachesOrTheEpochChanged() async throws {
        try await withEventServer({ $0.bufferSize = 3 }) { server in
            try server.publish(10)
            let old = try await SSETestClient(port: server.port, "/events", headers: ["Last-Event-ID": "\(server.stream.status.epoch).2"])
            let events = try await old.next(4)
            #expect(events.first?.event == "gap")
            #expect(events.first?.data == "{\"first\":3,\"last\":7}")
            #expect(events.dropFirst().map(\.data) == ["event 7", "event 8", "event 9"])

            let otherEpoch = try await SSETestClient(port: server.port, "/events", headers: ["Last-Event-ID": "gone.5"])
            #expect(try await otherEpoch.next(1).first?.data == "{\"first\":0,\"last\":7}")
        }
    }

    @Test func binaryEventsAreBase64() async throws {
        try await withEventServer { server in
            let sse = try await SSETestClient(port: server.port, "/events?last_event_id=0")
            try server.stream.publish(kind: .binary, payload: ByteBuffer(bytes: [1, 2, 3]))
            let event = try await sse.next(1).first
            #expect(event?.event == "binary")
            #expect(event?.data == "AQID")
        }
    }

    @Test func subscribeTokenIsRequiredWhenSet() async throws {
        try await withEventServer({ $0.subscribeToken = "sub" }) { server in
            #expect(try await SSETestClient(port: server.port, "/events").head.status == 401)
            #expect(try await SSETestClient(port: server.port, "/events?token=sub").head.status == 200)
            #expect(try await SSETestClient(port: server.port, "/events", headers: ["Authorization": "Bearer sub"]).head.status == 200)
            let socket = try RawSocket(port: server.port)
            #expect(try await socket.upgrade("/events").head.hasPrefix("HTTP/1.1 401"))
            let withToken = try RawSocket(port: server.port)
            #expect(try await withToken.upgrade("/events?token=sub").head.hasPrefix("HTTP/1.1 101"))
        }
    }

    @Test func webSocketFromADisallowedOriginIs403() async throws {
        try await withEventServer({ $0.allowedOrigins = ["https://app.example"] }) { server in
            let evil = try RawSocket(port: server.port)
            #expect(try await evil.upgrade("/events", extraHeaders: "Origin: https://evil.example\r\n").head.hasPrefix("HTTP/1.1 403"))
            let allowed = try RawSocket(port: server.port)
            #expect(try await allowed.upgrade("/events", extraHeaders: "Origin: https://app.example\r\n").head.hasPrefix("HTTP/1.1 101"))
            let sameOrigin = try RawSocket(port: server.port)
            #expect(try await sameOrigin.upgrade("/events", extraHeaders: "Origin: http://127.0.0.1\r\n").head.hasPrefix("HTTP/1.1 101"))
            let sse = try await SSETestClient(port: server.port, "/events", headers: ["Origin": "https://app.example"])
            #expect(sse.head.header("Access-Control-Allow-Origin") == "https://app.example")
        }
    }

    @Test func plainGetWithoutSSEStillGets426() async throws {
        try await withEventServer { server in
            let answer = try await HTTPExchange.send(port: server.port, "GET", "/events")
            #expect(answer.status == 426)
            #expect(answer.body.contains("text/event-stream"))
        }
    }

    @Test func shutdownEndsSSEStreams() async throws {
        let (server, running) = try await startEventServer()
        let sse = try await SSETestClient(port: server.port, "/events")
        try await eventually("subscribed") { server.stream.status.subscribers == 1 }
        running.cancel()
        _ = try? await running.value
        // The response ends (the terminating chunk) and the connection closes.
        _ = try await sse.next(1)
        #expect(try await sse.socket.receive().isEmpty)
    }
}
