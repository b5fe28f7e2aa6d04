import NIOCore
import NIOEmbedded
import Testing

@testable import WSEventStreams

/// The registry's bound and its idle sweep, driven by passing the instant to sweep at: no
/// waiting for the idle timeout.
@Suite struct StreamRegistryTests {
    /// A subscriber that only occupies a place in the stream.
    final class Listener: StreamSubscriber {
        func deliver(_ event: PlainElement) {}
        func flushBatch() {}
        func streamRestarted(epoch: Epoch) {}
        func serverShuttingDown() {}
    }

    /// An instant after everything the test did so far.
    var later: NIODeadline { .now() + .hours(1) }

    @Test func streamsOpenedOnDemandAreRemovedWhenIdleAndTheServersOwnNever() throws {
        let registry = StreamRegistry([TestStream(path: "/events")])
        let topic = try registry.streamCreatingIfNeeded(at: "/topic", bufferSize: 8)
        #expect(try registry.streamCreatingIfNeeded(at: "/topic", bufferSize: 8) === topic)

        // Not idle for long enough: stays.
        #expect(registry.removeIdleStreams(idleSince: .now() - .hours(1)).isEmpty)
        #expect(registry.stream(at: "/topic") === topic)

        #expect(registry.removeIdleStreams(idleSince: later) == ["/topic"])
        #expect(registry.stream(at: "/topic") == nil)
        #expect(registry.stream(at: "/events") != nil)
        #expect(registry.all.map(\.path) == ["/events"])
    }

    @Test func anEventKeepsAStreamAlive() throws {
        let registry = StreamRegistry<PlainElement>()
        let topic = try registry.streamCreatingIfNeeded(at: "/topic", bufferSize: 8)
        let beforeThePublish = NIODeadline.now()
        try topic.publish(kind: .text, payload: ByteBuffer(string: "x"))
        #expect(registry.removeIdleStreams(idleSince: beforeThePublish).isEmpty)
        #expect(registry.removeIdleStreams(idleSince: later) == ["/topic"])
    }

    @Test func aStreamWithASubscriberStaysAndIdlenessStartsWhenTheLastOneLeaves() throws {
        let registry = StreamRegistry<PlainElement>()
        let topic = try registry.streamCreatingIfNeeded(at: "/topic", bufferSize: 8)
        let loop = EmbeddedEventLoop()
        let listener = Listener()
        #expect(topic.subscribe(listener, on: loop, resume: nil) != nil)
        #expect(registry.removeIdleStreams(idleSince: later).isEmpty)

        let beforeLeaving = NIODeadline.now()
        topic.unsubscribe(listener, on: loop)
        #expect(registry.removeIdleStreams(idleSince: beforeLeaving).isEmpty)
        #expect(registry.removeIdleStreams(idleSince: later) == ["/topic"])
    }

    @Test func aRemovedStreamRefusesSubscribersAndPublishes() throws {
        let registry = StreamRegistry<PlainElement>()
        let topic = try registry.streamCreatingIfNeeded(at: "/topic", bufferSize: 8)
        registry.removeIdleStreams(idleSince: later)
        // What a subscriber or publisher that looked the stream up just before the sweep meets.
        #expect(topic.subscribe(Listener(), on: EmbeddedEventLoop(), resume: nil) == nil)
        #expect(throws: StreamPublishError.removed) {
            try topic.publish(kind: .text, payload: ByteBuffer(string: "x"))
        }
        // The path opens again as a new stream.
        let again = try registry.streamCreatingIfNeeded(at: "/topic", bufferSize: 8)
        #expect(again !== topic)
        #expect(try again.publish(kind: .text, payload: ByteBuffer(string: "x")).id == 1)
    }

    @Test func maxStreamsCountsEveryStreamAndFreesUpWhenOneIsRemoved() throws {
        let registry = StreamRegistry([TestStream(path: "/events")], maxStreams: 2)
        _ = try registry.streamCreatingIfNeeded(at: "/a", bufferSize: 8)
        #expect(throws: StreamLimitReached(limit: 2)) {
            try registry.streamCreatingIfNeeded(at: "/b", bufferSize: 8)
        }
        // An existing stream is found even at the limit.
        #expect(throws: Never.self) { try registry.streamCreatingIfNeeded(at: "/a", bufferSize: 8) }
        #expect(registry.count == 2)
        registry.removeIdleStreams(idleSince: later)
        #expect(throws: Never.self) { try registry.streamCreatingIfNeeded(at: "/b", bufferSize: 8) }
    }
}
