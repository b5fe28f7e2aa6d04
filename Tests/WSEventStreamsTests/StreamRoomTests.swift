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

    /// The shard reports each crossing of its bound once, and its end once: at half the bound,
    /// so a stream that hovers at the bound does not wake its readers for every batch.
    @Test func aShardReportsFullOnceAndRoomAgainOnce() {
        let roomAgain = NIOLockedValueBox(0)
        let shard = LoopShard<PlainElement>(eventLoop: loop, maxBytes: 10) { roomAgain.withLockedValue { $0 += 1 } }
        func event(_ id: UInt64, bytes: Int) -> StreamDelivery<PlainElement> {
            .event(PlainElement(Event(id: id, kind: .text, payload: ByteBuffer(repeating: 0, count: bytes)), epoch: Epoch("e")!, allocator: ByteBufferAllocator()))
        }
        #expect(shard.enqueue(event(1, bytes: 10), bytes: 10) == false)
        #expect(shard.enqueue(event(2, bytes: 1), bytes: 1) == true)
        #expect(shard.enqueue(event(3, bytes: 1), bytes: 1) == false, "full already")
        #expect(shard.enqueue(.shutdown) == false)
        #expect(shard.queuedBytes == 12)
        loop.run()
        #expect(shard.queuedBytes == 0)
        #expect(roomAgain.withLockedValue { $0 } == 1)
        #expect(shard.enqueue(event(4, bytes: 11), bytes: 11) == true)
    }
}
