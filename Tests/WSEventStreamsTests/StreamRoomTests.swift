import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

@testable import WSEventStreams

/// The bound on each loop's queue of events not yet written: past it the stream has no room,
/// publishes are refused and readers wait, until the loop has caught up. Events already taken
/// are never dropped for it. Embedded loops run only when told, so "the loop is behind" is
/// exact here.
@Suite struct StreamRoomTests {
    /// Counts the events it is handed.
    final class Sink: StreamSubscriber {
        var ids: [UInt64] = []
        func deliver(_ event: PlainElement) { ids.append(event.id) }
        func flushBatch() {}
        func streamRestarted(epoch: Epoch) {}
        func serverShuttingDown() {}
    }

    let loop = EmbeddedEventLoop()

    /// A stream whose queues hold 10 bytes of payload at most, with a subscriber on `loops`.
    func stream(on loops: [EmbeddedEventLoop]) throws -> (TestStream, [Sink]) {
        let stream = TestStream(path: "/events", maxQueuedBytes: 10)
        let sinks = try loops.map { loop in
            let sink = Sink()
            _ = try #require(stream.subscribe(sink, on: loop, resume: nil))
            return sink
        }
        return (stream, sinks)
    }

    func publish(_ stream: TestStream, bytes: Int) throws -> UInt64 {
        try stream.publish(kind: .text, payload: ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes)).id
    }

    @Test func aQueuePastItsBoundRefusesPublishesUntilItsLoopHasWrittenIt() throws {
        let (stream, sinks) = try stream(on: [loop])
        #expect(try publish(stream, bytes: 6) == 1)
        #expect(stream.hasRoom)
        // The event that crosses the bound is taken; the stream has no room after it.
        #expect(try publish(stream, bytes: 6) == 2)
        #expect(!stream.hasRoom)
        #expect(throws: StreamPublishError.full) { try publish(stream, bytes: 1) }
        loop.run()
        #expect(sinks[0].ids == [1, 2])
        #expect(stream.hasRoom)
        #expect(try publish(stream, bytes: 1) == 3)
    }

    @Test func everyLoopMustHaveRoom() throws {
        let other = EmbeddedEventLoop()
        let (stream, sinks) = try stream(on: [loop, other])
        _ = try publish(stream, bytes: 11)
        #expect(!stream.hasRoom)
        loop.run()
        #expect(!stream.hasRoom, "the other loop is still behind")
        other.run()
        #expect(stream.hasRoom)
        #expect(sinks.map(\.ids) == [[1], [1]])
    }

    @Test func aStreamWithoutSubscribersHasNoQueueToFill() throws {
        let stream = TestStream(path: "/events", maxQueuedBytes: 10)
        for _ in 0..<5 { _ = try publish(stream, bytes: 100) }
        #expect(stream.hasRoom)
        #expect(stream.status.lastID == 5)
    }

    /// A relay's reader waits for room before it takes an event; what it took is mirrored.
    @Test func mirroredEventsAreTakenWithoutRoom() throws {
        let stream = TestStream(path: "/events", source: .awaitingUpstream, maxQueuedBytes: 10)
        stream.adoptUpstreamEpoch(Epoch("up")!, lastID: 0)
        let sink = Sink()
        _ = try #require(stream.subscribe(sink, on: loop, resume: nil))
        for id: UInt64 in 1...3 { stream.mirror(Event(id: id, kind: .text, payload: ByteBuffer(string: "eight by"))) }
        #expect(!stream.hasRoom)
        #expect(stream.status.lastID == 3)
        loop.run()
        #expect(sink.ids == [1, 2, 3])
        #expect(stream.hasRoom)
    }

    @Test func waitForRoomReturnsOnceTheLoopHasCaughtUp() async throws {
        let (stream, _) = try stream(on: [loop])
        await stream.waitForRoom()  // room: at once
        _ = try publish(stream, bytes: 11)
        let waiter = Task {
            await stream.waitForRoom()
            return stream.hasRoom
        }
        try await eventually("the reader to wait") { stream.waitingForRoom == 1 }
        loop.run()
        #expect(await waiter.value)
        #expect(stream.waitingForRoom == 0)
    }

    @Test func waitForRoomReturnsWhenTheStreamIsClosed() async throws {
        let (stream, _) = try stream(on: [loop])
        _ = try publish(stream, bytes: 11)
        let waiter = Task { await stream.waitForRoom() }
        try await eventually("the reader to wait") { stream.waitingForRoom == 1 }
        stream.closeAllSubscribers()
        await waiter.value
        // Closed: at once, and a publish says why.
        await stream.waitForRoom()
        #expect(throws: StreamPublishError.closed) { try publish(stream, bytes: 1) }
    }

    @Test func aCancelledReaderStopsWaitingAndLeavesNothingBehind() async throws {
        let (stream, _) = try stream(on: [loop])
        _ = try publish(stream, bytes: 11)
        let waiter = Task { await stream.waitForRoom() }
        try await eventually("the reader to wait") { stream.waitingForRoom == 1 }
        waiter.cancel()
        await waiter.value
        #expect(stream.waitingForRoom == 0)
        #expect(!stream.hasRoom)
        // Cancelled before it waits: it does not wait at all.
        await withTaskGroup(of: Void.self) { group in
            group.cancelAll()
            group.addTask { await stream.waitForRoom() }
        }
        #expect(stream.waitingForRoom == 0)
    }

    /// With many subscribers on a loop, its queue may owe them all at most `maxOwedBytes`:
    /// readers from outside wait earlier, while publishes are still taken.
    @Test func aLoopWithManySubscribersHoldsItsReadersBackEarlier() throws {
        let stream = TestStream(path: "/events", maxQueuedBytes: 1 << 20)
        let few = Sink()
        _ = try #require(stream.subscribe(few, on: loop, resume: nil))
        _ = try publish(stream, bytes: 100_000)
        #expect(stream.hasRoom, "100 kB of 1 MiB, owed to one subscriber")
        loop.run()

        let crowded = EmbeddedEventLoop()
        let many = (0..<4096).map { _ in Sink() }
        for sink in many { _ = try #require(stream.subscribe(sink, on: crowded, resume: nil)) }
        // 128 MiB owed among 4096 subscribers: 32 KiB each.
        _ = try publish(stream, bytes: 30_000)
        #expect(stream.hasRoom)
        _ = try publish(stream, bytes: 10_000)
        #expect(!stream.hasRoom)
        #expect(stream.takesPublishes, "40 kB held of 1 MiB")
        #expect(try publish(stream, bytes: 10) == 4)
        loop.run()
        #expect(!stream.hasRoom, "the crowded loop is the one behind")
        crowded.run()
        #expect(stream.hasRoom)
        #expect(many.allSatisfy { $0.ids == [2, 3, 4] })
    }
}

/// A loop queue's two states, alone: entered past a bound, left at half of it.
@Suite struct QueueLoadTests {
    @Test func fullAndOverloadedAreEnteredPastTheirBoundsAndLeftAtHalf() {
        var load = QueueLoad(maxBytes: 1000)
        #expect(load.fullBound(subscribers: 0) == 1000)
        #expect(load.fullBound(subscribers: 1_000_000) == maxOwedBytes / 1_000_000)
        #expect(load.add(1000, subscribers: 1) == .none)
        #expect(load.add(1, subscribers: 1) == QueueLoad.Change(full: 1, overloaded: 1))
        #expect(load.add(500, subscribers: 1) == .none, "entered once")
        #expect(load.remove(1000, subscribers: 1) == .none, "501 is more than half")
        #expect(load.remove(1, subscribers: 1) == QueueLoad.Change(full: -1, overloaded: -1))
        #expect(load.bytes == 500)
    }

    @Test func manySubscribersMakeTheQueueFullBeforeItIsOverloaded() {
        var load = QueueLoad(maxBytes: 1 << 20)
        let subscribers = maxOwedBytes / 1000  // the full bound is 1000 bytes
        #expect(load.add(1001, subscribers: subscribers) == QueueLoad.Change(full: 1, overloaded: 0))
        #expect(load.add(1 << 20, subscribers: subscribers) == QueueLoad.Change(full: 0, overloaded: 1))
        #expect(load.remove(1 << 20, subscribers: subscribers) == QueueLoad.Change(full: 0, overloaded: -1))
        // Fewer subscribers now: the bound is higher, half of it is reached sooner.
        #expect(load.remove(0, subscribers: 1) == QueueLoad.Change(full: -1, overloaded: 0))
    }
}
