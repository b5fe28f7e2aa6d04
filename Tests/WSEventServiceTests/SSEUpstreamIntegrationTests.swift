import TestSupport
import Testing

import WSEventCore

/// A fan-in of an SSE upstream and a WebSocket one, in process: both are merged.
@Suite struct SSEUpstreamIntegrationTests {
    @Test func aFanInMergesAnSSEUpstreamWithAWebSocketOne() async throws {
        try await withEventServer { overSSE in
            try await withEventServer { overWebSocket in
                try await withEventServer({ $0.role = .fanIn([StreamURL(overSSE.url, transport: .sse), StreamURL(overWebSocket.url)]) }) { fanIn in
                    try await eventually("both upstreams connected") {
                        fanIn.upstreams.all.allSatisfy { $0.state == .connected }
                    }
                    #expect(fanIn.upstreams.all.map(\.url.description) == ["http://127.0.0.1:\(overSSE.port)/events", "ws://127.0.0.1:\(overWebSocket.port)/events"])
                    try overSSE.publish(3, prefix: "sse ")
                    try overWebSocket.publish(3, prefix: "ws ")
                    let received = try await TestClient.collect(fanIn.url(query: "since=0"), v1: true, count: 7, timeout: 20)
                    let payloads = received.v1.dropFirst().map(\.payload)
                    #expect(Set(payloads) == Set((0..<3).flatMap { ["sse \($0)", "ws \($0)"] }))
                    #expect(received.eventIDs == Array(1...6))
                }
            }
        }
    }
}
