import NIOConcurrencyHelpers
import NIOCore
import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

/// A subscriber that stops reading is dropped once its pending bytes pass the limit, while a
/// reading subscriber gets every event: for WebSocket (closed with 1013) and SSE (disconnected).
@Suite struct SlowConsumerTests {
    @Test func stalledWebSocketSubscriberIsClosedWith1013AndOthersGetEverything() async throws {
        try await withStalledSubscriber(open: { port in
            // A tiny receive window, and no reads: the server's pending bytes for it only grow.
            let socket = try RawSocket(port: port, receiveBuffer: 4096)
            let (head, _) = try await socket.upgrade("/events")
            #expect(head.hasPrefix("HTTP/1.1 101"))
            return socket
        }) { stalled, published in
            // Reading now, it finds its events cut short by a 1013 close.
            let frames = await stalled.receiveFramesUntilClose()
            #expect(frames.last?.closeCode == 1013)
            #expect(frames.count < published)
        }
    }

    @Test func stalledSSESubscriberIsDisconnectedAndOthersGetEverything() async throws {
        try await withStalledSubscriber(open: { port in
            let socket = try RawSocket(port: port, receiveBuffer: 4096)
            try await socket.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
            return socket
        }) { stalled, published in
            // Reading now, it finds the stream cut off: the connection ends, short of everything.
            let bytes = await stalled.receiveAll()
            let events = String(decoding: bytes, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("id: ") }
            #expect(events.count < published)
        }
    }

    /// Runs a server with a 64 KiB pending limit, a stalled subscriber opened by `open` and a
    /// reading one; publishes small batches, each read by the reader before the next, until the
    /// stalled one is dropped (at most `maxBatches`); then lets `check` inspect the stalled one.
    private func withStalledSubscriber(
        open: @escaping @Sendable (Int) async throws -> RawSocket,
        check: @escaping @Sendable (RawSocket, Int) async throws -> Void
    ) async throws {
        // Thousands of events through a debug build: on loops of its own, not stalling other tests.
        try await withOwnEventLoops { loops in
            try await withEventServer(group: loops, {
                $0.maxPendingBytes = 64 << 10
                $0.closeTimeout = .seconds(120)
                // The stalled subscriber answers no ping: on a loaded machine the keepalive (1011)
                // could take it before the pending-bytes rule this suite is about.
                $0.pingInterval = .seconds(3600)
            }) { server in
                let stalled = try await open(server.port)
                let received = NIOLockedValueBox<[String]>([])
                let reader = try await WebSocketClient.connect(to: server.url, group: loops)
                let readerTask = Task {
                    try await reader.run { inbound, _ in
                        for try await message in inbound { received.withLockedValue { $0.append(message.string) } }
                    }
                }
                try await eventually("both subscribed") { server.stream.status.subscribers == 2 }

                let payload = String(repeating: "x", count: 1000)
                let perBatch = 20
                let maxBatches = 2000
                var published = 0
                for _ in 0..<maxBatches where server.stream.status.subscribers == 2 {
                    try server.publish(perBatch, prefix: payload)
                    published += perBatch
                    let target = published
                    try await eventually("the reader to catch up", timeout: 60) {
                        received.withLockedValue { $0.count } >= target
                    }
                }
                #expect(server.stream.status.subscribers == 1, "the stalled subscriber is still subscribed")
                try server.publish(perBatch, prefix: payload)
                published += perBatch
                let total = published
                try await eventually("the reader to get everything", timeout: 60) { received.withLockedValue { $0.count } >= total }
                readerTask.cancel()
                let texts = received.withLockedValue { $0 }
                #expect(texts.count == total)
                #expect(texts.enumerated().allSatisfy { $0.element == payload + String($0.offset % perBatch) })
                let samples = MetricsTests.samples(server.metrics.exposition(streams: server.registry.all))
                let slowCloses = samples.filter { $0.name == "wsevent_slow_consumer_closes_total" }.map(\.value).reduce(0, +)
                #expect(slowCloses == 1)
                try await check(stalled, total)
            }
        }
    }
}
