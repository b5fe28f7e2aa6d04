import NIOCore
import NIOEmbedded
import Testing

@testable import WSEventStreams


/// A relay's stream when its upstream answers `hello` with another epoch while subscribers are
/// attached: the origin restarted, so the old ids and the buffer holding them are void, and
/// every loop's shard is told, in order with the events around it.
@Suite struct UpstreamEpochTests {
    /// Writes down what its shard hands it.
    final class RecordingSubscriber: StreamSubscriber {
        var log: [String] = []
        func deliver(_ event: PlainElement) { log.append("event \(event.id) \(String(buffer: event.event.payload))") }
        func flushBatch() {}
        func streamRestarted(epoch: Epoch) { log.append("restart \(epoch)") }
        func serverShuttingDown() { log.append("shutdown") }

        /// The log since the last call.
        func take() -> [String] {
            defer { log = [] }
            return log
        }
    }

    let loops = [EmbeddedEventLoop(), EmbeddedEventLoop()]

    /// A relay stream mirroring epoch `one` with events 1...3, and a subscriber on each loop.
    func relayWithSubscribers() throws -> (TestStream, [RecordingSubscriber]) {
        let stream = TestStream(path: "/relay", source: .awaitingUpstream)
        stream.adoptUpstreamEpoch(Epoch("one")!, lastID: 3)
        for id in 1...3 { stream.mirror(event(id, "old\(id)")) }
        let subscribers = loops.map { _ in RecordingSubscriber() }
        for (loop, subscriber) in zip(loops, subscribers) {
            _ = try #require(stream.subscribe(subscriber, on: loop, resume: nil))
        }
        return (stream, subscribers)
    }

    func event(_ id: Int, _ text: String) -> Event {
        Event(id: UInt64(id), kind: .text, payload: ByteBuffer(string: text))
    }

    func runLoops() {
        for loop in loops { loop.run() }
    }

    @Test func aNewEpochTellsEveryLoopInOrderWithTheEventsAroundIt() throws {
        let (stream, subscribers) = try relayWithSubscribers()
        stream.mirror(event(4, "old4"))
        stream.adoptUpstreamEpoch(Epoch("two")!, lastID: 0)
        stream.mirror(event(1, "new1"))
        runLoops()
        for subscriber in subscribers {
            #expect(subscriber.take() == ["event 4 old4", "restart two", "event 1 new1"])
        }
        #expect(stream.status.epoch == Epoch("two")!)
        #expect(stream.status.lastID == 1)
        #expect(stream.status.subscribers == 2)
    }

    /// The old epoch's events are gone from the buffer: a client resuming in the old epoch is
    /// told of the gap and replayed only the new epoch's events.
    @Test func aNewEpochDropsTheBuffer() throws {
        let (stream, _) = try relayWithSubscribers()
        stream.adoptUpstreamEpoch(Epoch("two")!, lastID: 0)
        stream.mirror(event(1, "new1"))
        let joining = RecordingSubscriber()
        let subscription = try #require(stream.subscribe(joining, on: loops[0], resume: ResumePoint(since: 2, epoch: Epoch("one")!)))
        #expect(subscription.epoch == Epoch("two")!)
        let items = subscription.plan.items.map { item -> String in
            switch item {
            case .gap(let first, let last): "gap \(first) \(last)"
            case .event(let id, let encoded): "event \(id) \(String(buffer: encoded.event.payload))"
            }
        }
        #expect(items == ["gap 0 0", "event 1 new1"])
        #expect(stream.mirrorPosition == ResumePoint(since: 1, epoch: Epoch("two")!))
    }

    /// A reconnect that finds the same epoch is no restart: the buffer and position stay.
    @Test func theSameEpochAgainKeepsTheBufferAndTellsNoOne() throws {
        let (stream, subscribers) = try relayWithSubscribers()
        runLoops()
        stream.adoptUpstreamEpoch(Epoch("one")!, lastID: 1)
        runLoops()
        for subscriber in subscribers { #expect(subscriber.take().isEmpty) }
        #expect(stream.status.lastID == 3)
        let joining = RecordingSubscriber()
        let subscription = try #require(stream.subscribe(joining, on: loops[1], resume: ResumePoint(since: 1, epoch: Epoch("one")!)))
        #expect(subscription.plan.items.count == 2)
    }

    /// A relay that has not heard from its upstream has no subscribers to tell.
    @Test func theFirstHelloRestartsNoOne() {
        let stream = TestStream(path: "/relay", source: .awaitingUpstream)
        #expect(stream.subscribe(RecordingSubscriber(), on: loops[0], resume: nil) == nil)
        stream.adoptUpstreamEpoch(Epoch("one")!, lastID: 7)
        runLoops()
        #expect(stream.status.subscribers == 0)
        #expect(stream.mirrorPosition == ResumePoint(since: 0, epoch: Epoch("one")!))
    }
}
