import NIOConcurrencyHelpers
import NIOCore
import TestSupport
import Testing

@testable import WSEventCore

@Suite struct SlowConsumerTests {
    /// A subscriber that stops reading is closed with 1013 once its pending bytes pass the
    /// limit; a reading subscriber meanwhile gets every event.
    @Test func stalledSubscriberIsClosedWith1013AndOthersGetEverything() async throws {
        try await withEventServer({
            $0.maxPendingBytes = 64 << 10
            $0.closeTimeout = .seconds(120)
        }) { server in
            // A tiny receive window, and no reads: the server's pending bytes for it only grow.
            let stalled = try RawSocket(port: server.port, receiveBuffer: 4096)
            let (head, _) = try await stalled.upgrade("/events")
            #expect(head.hasPrefix("HTTP/1.1 101"))

            let received = NIOLockedValueBox<[String]>([])
            let reader = try await WebSocketClient.connect(to: server.url)
            let readerTask = Task {
                try await reader.run { inbound, _ in
                    for try await message in inbound { received.withLockedValue { $0.append(message.string) } }
                }
            }
            try await eventually("both subscribed") { server.stream.status.subscribers == 2 }

            // Small batches, each read by the reader before the next, so only the stalled
            // subscriber falls behind; stop once it has been dropped (bounded by maxBatches).
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

            // Reading now, the stalled subscriber finds its events cut short by a 1013 close.
            let frames = await stalled.receiveFramesUntilClose()
            #expect(frames.last?.closeCode == 1013)
            #expect(frames.count < total)
        }
    }
}
