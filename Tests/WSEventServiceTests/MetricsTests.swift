import Foundation
import NIOCore
import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

/// `/metrics` counts what the test did, on its own server: each server has its own registry.
@Suite struct MetricsTests {
    /// One sample of the exposition: a name, its labels and its value.
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// The samples of a Prometheus text exposition (no label value here holds `,` or `"`).
    static func samples(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line -> Sample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                return nil
            }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return Sample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }

    static func scrape(_ server: EventServer) async throws -> [Sample] {
        let answer = try await HTTPExchange.send(port: server.port, "GET", "/metrics")
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        return samples(answer.body)
    }

    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    func post(_ server: EventServer, _ body: String, token: String = "s3cret") async throws -> HTTPExchange {
        try await HTTPExchange.send(
            port: server.port,
            "POST",
            "/events",
            headers: ["Authorization": "Bearer \(token)", "Content-Type": "text/plain"],
            body: Array(body.utf8)
        )
    }

    /// N events to M WebSocket subscribers and one SSE subscriber: delivered N*M and N, the
    /// bytes of the frames, N published and N `200` answers, one refused publish.
    @Test func countsPublishedDeliveredAndRefused() async throws {
        try await withEventServer({ $0.publishToken = "s3cret" }) { server in
            let events = ["event 1", "event 2", "event 3"]
            async let first = TestClient.collect(server.url(), count: events.count)
            async let second = TestClient.collect(server.url(), count: events.count)
            let sse = try await SSETestClient(port: server.port, "/events")
            try await eventually("three subscribers") { server.stream.status.subscribers == 3 }
            let before = try await Self.scrape(server)
            #expect(Self.value(before, "wsevent_subscribers", ["transport": "websocket", "mode": "plain"]) == 2)
            #expect(Self.value(before, "wsevent_subscribers", ["transport": "sse", "mode": "sse"]) == 1)

            for event in events {
                let answer = try await post(server, event)
                #expect(answer.status == 200)
            }
            let refused = try await post(server, "x", token: "wrong")
            #expect(refused.status == 401)
            #expect(try await first.texts == events)
            #expect(try await second.texts == events)
            #expect(try await sse.next(events.count).map(\.data) == events)

            let after = try await Self.scrape(server)
            #expect(Self.value(after, "wsevent_events_published_total", ["source": "publish"]) == 3)
            #expect(Self.value(after, "wsevent_events_delivered_total", ["transport": "websocket"]) == 6)
            #expect(Self.value(after, "wsevent_events_delivered_total", ["transport": "sse"]) == 3)
            // Two subscribers, three plain text frames of 9 bytes each: a 2-byte header, 7 of payload.
            #expect(Self.value(after, "wsevent_sent_bytes_total", ["transport": "websocket"]) == 54)
            #expect(Self.value(after, "wsevent_publishes_total", ["status": "200"]) == 3)
            #expect(Self.value(after, "wsevent_publishes_total", ["status": "401"]) == 1)
            #expect(Self.value(after, "wsevent_refusals_total", ["reason": "token"]) == 1)
            #expect(Self.value(after, "wsevent_refusals_total", ["reason": "origin"]) == 0)
            #expect(Self.value(after, "wsevent_replay_buffer_events") == 3)
            #expect((Self.value(after, "wsevent_replay_buffer_bytes") ?? 0) > 3 * 7)
            #expect((Self.value(after, "wsevent_connections_total") ?? 0) >= 3 + 4 + 2)
            #expect(Self.value(after, "wsevent_slow_consumer_closes_total", ["transport": "websocket"]) == 0)
        }
    }

    /// A second server in the same process counts only its own events.
    @Test func eachServerHasItsOwnCounts() async throws {
        try await withEventServer({ $0.publishToken = "s3cret" }) { busy in
            try await withEventServer { quiet in
                let answer = try await post(busy, "x")
                #expect(answer.status == 200)
                let busySamples = try await Self.scrape(busy)
                let quietSamples = try await Self.scrape(quiet)
                #expect(Self.value(busySamples, "wsevent_events_published_total", ["source": "publish"]) == 1)
                #expect(Self.value(quietSamples, "wsevent_events_published_total", ["source": "publish"]) == 0)
            }
        }
    }

    /// A WebSocket subscriber that answers no ping is closed with 1011 and counted.
    @Test func aSubscriberThatAnswersNoPingIsCountedAsAKeepaliveClose() async throws {
        try await withEventServer({
            $0.pingInterval = .milliseconds(100)
            $0.pongTimeout = .milliseconds(100)
        }) { server in
            let socket = try RawSocket(port: server.port)
            let (head, _) = try await socket.upgrade("/events")
            #expect(head.hasPrefix("HTTP/1.1 101"))
            let frames = await socket.receiveFramesUntilClose()
            #expect(frames.last?.closeCode == 1011)
            try await eventually("the keepalive close counted") {
                Self.value(Self.samples(server.metrics.exposition(streams: [])), "wsevent_keepalive_closes_total", ["transport": "websocket"]) == 1
            }
        }
    }

    /// SSE has no pings (its heartbeat is a comment nobody answers), so no SSE subscriber is
    /// ever closed by keepalive: the counter has the WebSocket series only, as documented.
    @Test func keepaliveClosesAreCountedForWebSocketOnly() {
        let samples = Self.samples(ServiceMetrics().exposition(streams: []))
        let series = samples.filter { $0.name == "wsevent_keepalive_closes_total" }
        #expect(series.map(\.labels) == [["transport": "websocket"]])
    }

    /// A relay whose upstream does not answer: its link is down and subscribers are refused as
    /// not ready.
    @Test func aRelayNotAtItsUpstreamCountsNotReadyRefusals() async throws {
        let upstream = try #require(StreamURL("ws://127.0.0.1:1/events"))
        try await withEventServer({ $0.role = .relay(upstream) }) { relay in
            let refused = try await HTTPExchange.send(port: relay.port, "GET", "/events", headers: ["Accept": "text/event-stream"])
            #expect(refused.status == 503)
            let samples = try await Self.scrape(relay)
            #expect(Self.value(samples, "wsevent_refusals_total", ["reason": "not_ready"]) == 1)
            #expect(Self.value(samples, "wsevent_upstream_up", ["upstream": upstream.description]) == 0)
            #expect(Self.value(samples, "wsevent_upstream_reconnects_total", ["upstream": upstream.description]) == 0)
        }
    }
}
