import NIOCore
import TestSupport
import Testing
import WSEventCore

/// Ids at the top of the range, through a relay run as the built binary: the largest id is
/// 2^64 − 2, and an upstream that sends 2^64 − 1 breaks the protocol. The relay says so in one
/// log line and reconnects; it does not crash, and keeps serving what it mirrored.
@Suite struct RelayIDLimitTests {
    @Test func aRelayRefusesAnUpstreamIDThatLeavesNoRoomAndKeepsServing() async throws {
        // A wsevent.v1 upstream at the very end of its ids: 2^64 − 2, then 2^64 − 1.
        let upstream = try await ScriptedWebSocketServer.start(
            sending: [
                ScriptedWebSocketServer.text("hello ep 18446744073709551613\n"),
                ScriptedWebSocketServer.text("18446744073709551614\nthe last id"),
                ScriptedWebSocketServer.text("18446744073709551615\npast it"),
            ],
            subprotocol: WireMode.v1Subprotocol
        )
        let relay = try await ServiceProcess(["-no-produce", "-serve-address", "127.0.0.1:0", "-consume", "ws://127.0.0.1:\(upstream.port)/events"])
        let violation = try await relay.process.waitForLog("past the largest id")
        #expect(violation.contains("upstream unavailable, reconnecting with backoff"), "\(violation)")
        #expect(violation.contains("event id 18446744073709551615, past the largest id 18446744073709551614"), "\(violation)")
        try await eventually("the upstream to see the relay close with 1002") { upstream.closeCodes.contains(1002) }

        // The subscriber: it resumes from 2^64 − 4 and gets what the relay has.
        let url = WebSocketURL(host: "127.0.0.1", port: relay.port, path: "/events", query: "since=18446744073709551612&epoch=ep")
        let received = try await TestClient.collectEvents(url, count: 1, timeout: 30)
        #expect(received.v1.map(\.header) == [.hello(epoch: Epoch("ep")!, lastID: 18_446_744_073_709_551_614), .gap(first: 18_446_744_073_709_551_613, last: 18_446_744_073_709_551_613), .event(id: 18_446_744_073_709_551_614)])
        #expect(received.v1.last?.payload == "the last id")
        #expect(relay.process.isRunning)
        let health = try await HTTPExchange.send(port: relay.port, "GET", "/healthz")
        #expect(health.body.contains("\"last_id\":18446744073709551614"), "\(health.body)")
        // A since past the largest id names no event.
        let refused = try await HTTPExchange.send(port: relay.port, "GET", "/events?since=18446744073709551615", headers: ["Accept": "text/event-stream"])
        #expect(refused.status == 400)
        #expect(refused.body.contains("since must be an event id (decimal digits, 0 to 18446744073709551614), got '18446744073709551615'"), "\(refused.body)")
        await upstream.stop()
    }
}
