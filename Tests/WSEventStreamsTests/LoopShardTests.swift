import NIOCore
import NIOEmbedded
import Testing

@testable import WSEventStreams

/// How a loop's shard hands batches to its subscribers: each subscriber takes a whole batch in
/// one call, subscribers may leave in the middle of one without another missing anything, and a
/// burst is cut by the frames it would write, not only by its events.
@Suite struct LoopShardTests {
    /// Records the batches it is handed; may leave its stream (or make another leave) when it
    /// gets a given event.
    final class BatchRecorder: StreamSubscriber {
        var batches: [[UInt64]] = []
        var onEvent: ((UInt64) -> Void)?

        func deliver(_ batch: ArraySlice<StreamDelivery<PlainElement>>) {
            var ids: [UInt64] = []
            for item in batch {
                if case .event(let event) = item {
                    ids.append(event.id)
                    onEvent?(event.id)
                }
            }
            batches.append(ids)
        }

        func deliver(_ event: PlainElement) { Issue.record("a batch is delivered in one call") }
        func flushBatch() { Issue.record("a batch is delivered in one call") }
        func streamRestarted(epoch: Epoch) {}
        func serverShuttingDown() {}

        var ids: [UInt64] { batches.flatMap { $0 } }
    }

    let loop = EmbeddedEventLoop()

    func publish(_ stream: TestStream, count: Int) throws {
        for _ in 0..<count { try stream.publish(kind: .text, payload: ByteBuffer(string: "x")) }
    }

    @Test func eachSubscriberTakesAWholeBatchInOneCall() throws {
        let stream = TestStream(path: "/events")
        let subscribers = (0..<3).map { _ in BatchRecorder() }
        for subscriber in subscribers { _ = try #require(stream.subscribe(subscriber, on: loop, resume: nil)) }
        try publish(stream, count: 5)
        loop.run()
        for subscriber in subscribers { #expect(subscriber.batches == [[1, 2, 3, 4, 5]]) }
    }

    /// The shard keeps its subscribers in an array and fills a leaver's place with the last
    /// one: a leave during a batch waits for the batch's end, so no one is skipped or served
    /// twice, and after it the leaver gets nothing more.
    @Test func subscribersLeavingDuringABatchMakeNoOneElseMissIt() throws {
        let stream = TestStream(path: "/events")
        let subscribers = (0..<5).map { _ in BatchRecorder() }
        for subscriber in subscribers { _ = try #require(stream.subscribe(subscriber, on: loop, resume: nil)) }
        // The first leaves itself during event 1, the second makes the fourth leave.
        subscribers[0].onEvent = { id in if id == 1 { stream.unsubscribe(subscribers[0], on: loop) } }
        subscribers[1].onEvent = { id in if id == 1 { stream.unsubscribe(subscribers[3], on: loop) } }
        try publish(stream, count: 2)
        loop.run()
        #expect(stream.status.subscribers == 3)
        for index in [1, 2, 4] { #expect(subscribers[index].ids == [1, 2]) }
        try publish(stream, count: 2)
        loop.run()
        for index in [1, 2, 4] { #expect(subscribers[index].ids == [1, 2, 3, 4]) }
        #expect(subscribers[0].ids == [1, 2])
        #expect(subscribers[3].ids.count <= 2)
    }

    @Test func leavingAndJoiningOutsideABatchKeepsEveryoneElseServed() throws {
        let stream = TestStream(path: "/events")
        let subscribers = (0..<4).map { _ in BatchRecorder() }
        for subscriber in subscribers { _ = try #require(stream.subscribe(subscriber, on: loop, resume: nil)) }
        stream.unsubscribe(subscribers[1], on: loop)
        stream.unsubscribe(subscribers[1], on: loop)  // twice: no effect
        let late = BatchRecorder()
        _ = try #require(stream.subscribe(late, on: loop, resume: nil))
        try publish(stream, count: 1)
        loop.run()
        #expect(stream.status.subscribers == 4)
        for subscriber in [subscribers[0], subscribers[2], subscribers[3], late] { #expect(subscriber.ids == [1]) }
        #expect(subscribers[1].ids.isEmpty)
    }

    /// 600 events queued at once to 1000 subscribers would be 600 000 writes in one loop task;
    /// the shard cuts them into batches of at most `maxBatchWrites` frames, in order.
    @Test func aBurstIsCutByTheFramesItWrites() throws {
        let stream = TestStream(path: "/events")
        let subscribers = (0..<1000).map { _ in BatchRecorder() }
        for subscriber in subscribers { _ = try #require(stream.subscribe(subscriber, on: loop, resume: nil)) }
        try publish(stream, count: 600)
        loop.run()
        let perBatch = maxBatchWrites / 1000
        let sizes = subscribers[0].batches.map(\.count)
        #expect(sizes == [perBatch, perBatch, 600 - 2 * perBatch])
        #expect(subscribers[999].ids == Array(1...600))
    }
}
