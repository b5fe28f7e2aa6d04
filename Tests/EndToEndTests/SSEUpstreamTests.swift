import Foundation
import TestSupport
import Testing

/// A relay or fan-in given an `http://` upstream consumes it over Server-Sent Events, mirroring
/// its ids and epoch as it does over `wsevent.v1`.
@Suite struct SSEUpstreamTests {
    @Test func relayOfAnHTTPURLMirrorsOverSSEAndResumesAfterTheLinkDrops() async throws {
        let origin = try await ServiceProcess(["-no-produce", "-serve-address", "127.0.0.1:0", "-publish-token", "T"])
        try await publish(5, to: origin, from: 1)
        let link = try await TCPForwarder.start(to: origin.port)
        defer { Task { await link.stop() } }
        let relay = try await ServiceProcess([
            "-no-produce", "-serve-address", "127.0.0.1:0", "-buffer", "100", "-consume", "http://127.0.0.1:\(link.port)/events",
        ])
        try await relay.process.waitForLog("consuming upstream")
        #expect(relay.process.stderr.contains("consuming http://127.0.0.1:\(link.port)/events into /events"))

        let first = try await events(at: relay, count: 5)
        let epoch = try #require(first.first?.epoch)
        #expect(first.map(\.id) == Array(1...5))
        #expect(try await health(of: origin).contains("\"epoch\":\"\(epoch)\""))
        // The origin served the relay over SSE.
        #expect(try await HTTPExchange.send(port: origin.port, "GET", "/metrics").body.contains("wsevent_events_delivered_total{transport=\"sse\"} 5"))

        link.cutAll()
        try await relay.process.waitForLog("upstream unavailable")
        try await publish(5, to: origin, from: 6)
        try await relay.process.waitForLog("upstream is back")
        let all = try await events(at: relay, count: 10)
        #expect(all.map(\.id) == Array(1...10))
        #expect(all.allSatisfy { $0.epoch == epoch })
        #expect(all.map(\.payload) == (1...10).map { "event \($0)" })
        #expect(link.connections >= 2)
        // Resumed with Last-Event-ID: the origin sent events 6...10 once more, not 1...10 again.
        try await eventually("the origin to deliver the resumed events") {
            try await HTTPExchange.send(port: origin.port, "GET", "/metrics").body.contains("wsevent_events_delivered_total{transport=\"sse\"} 10")
        }
        #expect(try await health(of: relay).contains("\"url\":\"http://127.0.0.1:\(link.port)/events\""))
    }

    private func publish(_ count: Int, to service: ServiceProcess, from first: Int) async throws {
        for i in first..<(first + count) {
            let answer = try await HTTPExchange.send(
                port: service.port, "POST", "/events",
                headers: ["Authorization": "Bearer T", "Content-Type": "text/plain"],
                body: Array("event \(i)".utf8)
            )
            #expect(answer.status == 200)
        }
    }

    private func events(at service: ServiceProcess, count: Int) async throws -> [JSONEvent] {
        let client = try ManagedProcess(Binaries.client, ["\(service.port)", "--json", "--since", "0", "--count", "\(count)", "--timeout", "30s"])
        #expect(try await client.waitForExit(timeout: 60) == 0, "\(client.stderr)")
        return try JSONEvent.parseLines(client.stdout)
    }

    private func health(of service: ServiceProcess) async throws -> String {
        try await HTTPExchange.send(port: service.port, "GET", "/healthz").body
    }
}
