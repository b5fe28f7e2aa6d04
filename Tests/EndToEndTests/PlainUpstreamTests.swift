import NIOCore
import TestSupport
import Testing
import WSEventCore

/// A relay whose upstream speaks plain WebSocket (like the original Go service) is an origin.
@Suite struct PlainUpstreamTests {
    @Test func relayOfAPlainServerAssignsIdsAndKeepsPayloadsUnchanged() async throws {
        let payloads: [WebSocketMessage] = (0..<50).map { .text("plain \($0)\n") } + [.binary(ByteBuffer(bytes: [0, 255, 7]))]
        let upstream = try await WebSocketServer.bind(host: "127.0.0.1", port: 0) { connection in
            try await connection.run { inbound, outbound in
                for message in payloads { try await outbound.send(message) }
                for try await _ in inbound {}
            }
        }
        let serving = Task { try await upstream.run() }
        defer { serving.cancel() }

        let relay = try await ServiceProcess([
            "-no-produce", "-serve-address", "127.0.0.1:0", "-consume", "ws://127.0.0.1:\(upstream.port)/anything",
        ])
        try await relay.process.waitForLog("protocol=plain")
        let url = WebSocketURL(host: "127.0.0.1", port: relay.port, path: "/events", query: "since=0")
        let received = try await TestClient.collectEvents(url, count: payloads.count)
        #expect(received.eventIDs == Array(1...UInt64(payloads.count)))
        let relayed = received.messages.dropFirst().map { message in
            WebSocketMessage(kind: message.kind, data: V1Header.parse(message.data)!.payload)
        }
        #expect(relayed == payloads)
    }
}
