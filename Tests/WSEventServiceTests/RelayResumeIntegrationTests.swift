import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

/// Resuming at a relay (an in-process origin and a relay that mirrors it), on real sockets.
@Suite struct RelayResumeIntegrationTests {
    /// An origin with 5 events and a relay that mirrored them all into a buffer of 3.
    func withMirroringRelay(_ body: @Sendable (_ origin: EventServer, _ relay: EventServer) async throws -> Void) async throws {
        try await withEventServer { origin in
            try origin.publish(5)
            try await withEventServer({
                $0.role = .relay(StreamURL(origin.url))
                $0.bufferSize = 3
            }) { relay in
                try await eventually("the relay mirrored the origin") { relay.stream.status.lastID == 5 }
                try await body(origin, relay)
            }
        }
    }

    @Test func sincePastTheUpstreamsLastIDIsAnsweredAsAtTheOrigin() async throws {
        try await withMirroringRelay { origin, relay in
            let epoch = origin.stream.status.epoch
            #expect(relay.stream.status.epoch == epoch)
            for query in ["since=18446744073709551614", "since=18446744073709551614&epoch=\(epoch)"] {
                let received = try await TestClient.collect(relay.url(query: query), v1: true, count: 5, timeout: 20)
                #expect(received.v1.map(\.header) == [.hello(epoch: epoch, lastID: 5), .gap(first: 0, last: 2), .event(id: 3), .event(id: 4), .event(id: 5)])
            }
        }
    }

    @Test func lastEventIDPastTheUpstreamsLastIDIsAnsweredAsAtTheOrigin() async throws {
        try await withMirroringRelay { origin, relay in
            let epoch = origin.stream.status.epoch
            let sse = try await SSETestClient(port: relay.port, "/events", headers: ["Last-Event-ID": "\(epoch).18446744073709551614"])
            #expect(sse.head.status == 200)
            let messages = try await withTimeout(20, "the relay's SSE answer") { try await sse.next(4) }
            #expect(messages.first?.event == "gap")
            #expect(messages.first?.data == "{\"first\":0,\"last\":2}")
            #expect(messages.dropFirst().map(\.id) == (3...5).map { "\(epoch).\($0)" })
        }
    }

    @Test func sinceWithinTheUpstreamsLastIDStillWaitsForItsIds() async throws {
        try await withMirroringRelay { origin, relay in
            let epoch = origin.stream.status.epoch
            // Up to date: nothing replayed; the next live event follows the hello.
            let connection = try await WebSocketClient.connect(to: relay.url(query: "since=5&epoch=\(epoch)"), subprotocols: [WireMode.v1Subprotocol])
            async let received = TestClient.collect(on: connection, count: 2, timeout: 20)
            try await eventually("subscribed at the relay") { relay.stream.status.subscribers == 1 }
            try origin.publish(1, prefix: "live ")
            #expect(try await received.v1.map(\.header) == [.hello(epoch: epoch, lastID: 5), .event(id: 6)])
        }
    }
}
