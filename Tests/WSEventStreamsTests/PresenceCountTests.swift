import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import WSEventStreams

/// A stream's subscribers by kind, and the observer that hears of each join and leave: counted
/// under the stream's lock with the shard's membership, so they always agree with it.
@Suite struct PresenceCountTests {
    final class Member: StreamSubscriber {
        let presenceKind: String
        init(_ kind: String) { presenceKind = kind }
        func deliver(_ event: PlainElement) {}
        func flushBatch() {}
        func streamRestarted(epoch: Epoch) {}
        func serverShuttingDown() {}
    }

    final class Anonymous: StreamSubscriber {
        func deliver(_ event: PlainElement) {}
        func flushBatch() {}
        func streamRestarted(epoch: Epoch) {}
        func serverShuttingDown() {}
    }

    @Test func countsFollowJoinsAndLeavesByKind() {
        let stream = TestStream(path: "/events")
        let loops = [EmbeddedEventLoop(), EmbeddedEventLoop()]
        let changes = NIOLockedValueBox<[PresenceChange]>([])
        stream.observePresence { change in changes.withLockedValue { $0.append(change) } }
        let sse = Member("sse")
        let ws = Member("websocket")
        let v1 = Member("websocket-v1")
        let other = Member("websocket")
        _ = stream.subscribe(sse, on: loops[0], resume: nil)
        _ = stream.subscribe(ws, on: loops[0], resume: nil)
        _ = stream.subscribe(v1, on: loops[1], resume: nil)
        _ = stream.subscribe(other, on: loops[1], resume: nil)
        #expect(stream.status.presence == ["sse": 1, "websocket": 2, "websocket-v1": 1])
        #expect(stream.status.subscribers == 4)

        stream.unsubscribe(ws, on: loops[0])
        stream.unsubscribe(sse, on: loops[0])
        #expect(stream.status.presence == ["websocket": 1, "websocket-v1": 1], "a kind with none left is left out")
        // Leaving twice, or from a loop it never joined on, changes nothing.
        stream.unsubscribe(ws, on: loops[0])
        stream.unsubscribe(v1, on: loops[0])
        #expect(stream.status.presence == ["websocket": 1, "websocket-v1": 1])
        #expect(stream.status.subscribers == 2)

        let seen = changes.withLockedValue { $0 }
        #expect(seen.map { "\($0.change.rawValue) \($0.kind) \($0.subscribers)" } == [
            "join sse 1", "join websocket 2", "join websocket-v1 3", "join websocket 4", "leave websocket 3", "leave sse 2",
        ])
        #expect(seen.allSatisfy { $0.path == "/events" })
        #expect(seen.last?.counts == ["websocket": 1, "websocket-v1": 1])
    }

    /// The same subscriber joining twice is one subscriber.
    @Test func aSecondJoinOfTheSameSubscriberCountsOnce() {
        let stream = TestStream(path: "/events")
        let loop = EmbeddedEventLoop()
        let member = Member("sse")
        _ = stream.subscribe(member, on: loop, resume: nil)
        _ = stream.subscribe(member, on: loop, resume: nil)
        #expect(stream.status.presence == ["sse": 1])
        stream.unsubscribe(member, on: loop)
        #expect(stream.status.presence.isEmpty)
    }

    @Test func aSubscriberThatNamesNoTransportIsInProcess() {
        let stream = TestStream(path: "/events")
        _ = stream.subscribe(Anonymous(), on: EmbeddedEventLoop(), resume: nil)
        #expect(stream.status.presence == ["in-process": 1])
    }

    /// Streams opened on demand are observed with the registry's observer; the ones given to it
    /// are the caller's to observe.
    @Test func streamsOpenedOnDemandAreObserved() throws {
        let changes = NIOLockedValueBox<[String]>([])
        let registry = StreamRegistry([TestStream(path: "/own")]) { change in
            changes.withLockedValue { $0.append("\(change.path) \(change.change.rawValue)") }
        }
        let loop = EmbeddedEventLoop()
        let topic = try registry.streamCreatingIfNeeded(at: "/topic", bufferSize: 8)
        _ = topic.subscribe(Member("sse"), on: loop, resume: nil)
        _ = registry.stream(at: "/own")?.subscribe(Member("sse"), on: loop, resume: nil)
        #expect(changes.withLockedValue { $0 } == ["/topic join"])
    }
}
