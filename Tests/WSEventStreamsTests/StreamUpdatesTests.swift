import NIOCore
import NIOPosix
import Testing

@testable import WSEventStreams

/// The in-process subscription: replay, live events exactly once, and the slow-consumer end.
@Suite struct StreamUpdatesTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    func publish(_ stream: TestStream, _ count: Int) throws {
        for i in 0..<count { try stream.publish(kind: .text, payload: ByteBuffer(string: "e\(i)")) }
    }

    /// Event ids from an iterator until `count` events have arrived; gaps are recorded as 0.
    func ids(
        _ iterator: inout AsyncThrowingStream<StreamUpdate<PlainElement>, any Error>.AsyncIterator,
        count: Int
    ) async throws -> [UInt64] {
        var ids: [UInt64] = []
        while ids.filter({ $0 != 0 }).count < count, let update = try await iterator.next() {
            switch update {
            case .event(let element): ids.append(element.id)
            case .gap: ids.append(0)
            case .hello: break
            }
        }
        return ids
    }

    @Test func liveEventsFollowTheHello() async throws {
        let stream = TestStream(path: "/events")
        try publish(stream, 3)
        var iterator = stream.updates(on: loop).makeAsyncIterator()
        guard case .hello(_, let lastID) = try await iterator.next() else {
            Issue.record("no hello")
            return
        }
        #expect(lastID == 3)
        try publish(stream, 2)
        #expect(try await ids(&iterator, count: 2) == [4, 5])
    }

    @Test func resumeReplaysThenGoesLive() async throws {
        let stream = TestStream(path: "/events")
        try publish(stream, 3)
        let epoch = stream.status.epoch
        var iterator = stream.updates(resume: ResumePoint(since: 1, epoch: epoch), on: loop).makeAsyncIterator()
        #expect(try await ids(&iterator, count: 2) == [2, 3])
        try publish(stream, 1)
        #expect(try await ids(&iterator, count: 1) == [4])
    }

    /// Joining while a publisher runs: every id once, in order, none missing.
    @Test func joiningDuringAPublishBurstSeesEveryEventOnce() async throws {
        let stream = TestStream(path: "/events", bufferSize: 10_000)
        let publisher = Task { try publish(stream, 5000) }
        try await Task.sleep(for: .milliseconds(1))
        var iterator = stream.updates(resume: ResumePoint(since: 0, epoch: stream.status.epoch), on: loop, maxBuffered: 10_000)
            .makeAsyncIterator()
        try await publisher.value
        let received = try await ids(&iterator, count: 5000)
        #expect(received == Array(1...5000))
    }

    @Test func aConsumerABufferBehindEndsWithAnExactResumePoint() async throws {
        let stream = TestStream(path: "/events", bufferSize: 1000)
        let updates = stream.updates(on: loop, maxBuffered: 10)
        var iterator = updates.makeAsyncIterator()
        _ = try await iterator.next()  // the hello: the subscription is in place
        try publish(stream, 100)
        var received: [UInt64] = []
        var end: (any Error)?
        do {
            while let update = try await iterator.next() {
                if case .event(let element) = update { received.append(element.id) }
            }
        } catch {
            end = error
        }
        guard case .tooSlow(let epoch, let lastID) = end as? StreamUpdatesError else {
            Issue.record("ended with \(String(describing: end))")
            return
        }
        #expect(received == Array(1...lastID))
        #expect(lastID < 100)
        var resumed = stream.updates(resume: ResumePoint(since: lastID, epoch: epoch), on: loop, maxBuffered: 1000).makeAsyncIterator()
        #expect(try await ids(&resumed, count: Int(100 - lastID)) == Array((lastID + 1)...100))
    }

    @Test func aRelayNotYetReadyRefuses() async throws {
        let stream = TestStream(path: "/relay", source: .awaitingUpstream)
        var iterator = stream.updates(on: loop).makeAsyncIterator()
        await #expect(throws: StreamUpdatesError.notReady) { _ = try await iterator.next() }
    }

    @Test func aNewUpstreamEpochEndsTheSubscription() async throws {
        let stream = TestStream(path: "/relay", source: .awaitingUpstream)
        stream.adoptUpstreamEpoch(Epoch("first")!, lastID: 0)
        var iterator = stream.updates(on: loop).makeAsyncIterator()
        _ = try await iterator.next()
        stream.adoptUpstreamEpoch(Epoch("second")!, lastID: 0)
        await #expect(throws: StreamUpdatesError.restarted(epoch: Epoch("second")!)) { _ = try await iterator.next() }
    }
}
