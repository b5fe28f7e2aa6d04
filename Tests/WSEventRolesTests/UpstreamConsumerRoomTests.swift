import Dispatch
import Logging
import NIOCore
import NIOPosix
import TestSupport
import Testing

import WSEventCore
@testable import WSEventRoles

/// An upstream consumer takes nothing more from its upstream while its stream has no room: it
/// waits before the next event until the stream's loops have caught up, so the upstream's TCP
/// connection backs up instead of the stream's memory. Its subscriber's loop is held on purpose
/// (a task that blocks it), so "behind" is exact.
@Suite(.timeLimit(.minutes(2))) struct UpstreamConsumerRoomTests {
    @Test(arguments: [UpstreamConsumer.Mode.mirror, .merge])
    func theConsumerWaitsForRoomBeforeTheNextEvent(mode: UpstreamConsumer.Mode) async throws {
        try await withEventServer { origin in
            try await withOwnEventLoops { group in
                let loop = group.next()
                // Every event fills the queue: the second waits until the loop has written the first.
                let stream = WireEventStream(path: "/events", source: mode == .mirror ? .awaitingUpstream : .origin, maxQueuedBytes: 1)
                // Its connection on the shared loops, not on the one held below.
                let consumer = UpstreamConsumer(url: StreamURL(origin.url), stream: stream, mode: mode, logger: Logger(label: "test"))
                let consuming = Task { await consumer.run() }
                defer { consuming.cancel() }
                try await eventually("the consumer to subscribe") { origin.stream.status.subscribers == 1 && stream.isReady }
                let subscription = stream.updates(on: loop)
                try await eventually("the subscriber to join") { stream.status.subscribers == 1 }

                let hold = DispatchSemaphore(value: 0)
                defer { hold.signal() }  // on every path: the loop group must shut down
                loop.execute { hold.wait() }
                try origin.publish(5)
                try await eventually("the consumer to wait for room") { stream.waitingForRoom == 1 }
                #expect(stream.status.lastID == 1, "it took one event and waits before the second")
                hold.signal()
                try await eventually("the consumer to take the rest") { stream.status.lastID == 5 }
                withExtendedLifetime(subscription) {}
            }
        }
    }
}
