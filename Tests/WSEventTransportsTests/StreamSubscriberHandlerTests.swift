import NIOCore
import NIOEmbedded
import Testing

@testable import WSEventTransports
import WSEventCore

/// The subscriber handler on `EmbeddedChannel`s sharing one `EmbeddedEventLoop`: what a joining
/// subscriber is sent, what each format makes of a gap and of a new upstream epoch, SSE
/// heartbeats, and the slow-consumer rule; no socket, no clock but the loop's.
@Suite struct StreamSubscriberHandlerTests {
    let loop = EmbeddedEventLoop()

    static let sse = SubscriberFormat.sse(retry: 2000, heartbeat: .seconds(15))

    /// An origin stream holding events `e1`...`e<count>`, of which the last `buffer` are kept.
    func origin(events count: Int, buffer: Int = 1024) throws -> WireEventStream {
        let stream = WireEventStream(path: "/events", bufferSize: buffer)
        for id in 0..<count {
            try stream.publish(kind: .text, payload: ByteBuffer(string: "e\(id + 1)"))
        }
        return stream
    }

    /// A relay stream mirroring epoch `epoch`.
    func mirror(_ epoch: String) -> WireEventStream {
        let stream = WireEventStream(path: "/events", source: .awaitingUpstream)
        stream.adoptUpstreamEpoch(Epoch(epoch)!, lastID: 0)
        return stream
    }

    func publish(_ stream: WireEventStream, _ text: String) throws {
        try stream.publish(kind: .text, payload: ByteBuffer(string: text))
        loop.run()
    }

    // MARK: Joining

    @Test func aV1SubscriberResumingPastTheBufferGetsHelloGapReplayThenLiveEvents() throws {
        let stream = try origin(events: 10, buffer: 4)
        let epoch = stream.status.epoch
        let subscriber = try EmbeddedSubscriber(stream, .webSocket(.v1), resume: ResumePoint(since: 2, epoch: epoch), loop: loop)
        #expect(try subscriber.received() == ["hello \(epoch) 10\n", "gap 3 6\n", "7\ne7", "8\ne8", "9\ne9", "10\ne10"])
        try publish(stream, "e11")
        #expect(try subscriber.received() == ["11\ne11"])
    }

    @Test func anSSESubscriberResumingPastTheBufferGetsRetryGapReplayThenLiveEvents() throws {
        let stream = try origin(events: 10, buffer: 4)
        let epoch = stream.status.epoch
        let subscriber = try EmbeddedSubscriber(stream, Self.sse, resume: ResumePoint(since: 2, epoch: epoch), loop: loop)
        #expect(
            try subscriber.received() == [
                "retry: 2000",
                "event: gap\ndata: {\"first\":3,\"last\":6}",
                "id: \(epoch).7\ndata: e7", "id: \(epoch).8\ndata: e8", "id: \(epoch).9\ndata: e9", "id: \(epoch).10\ndata: e10",
            ]
        )
        try publish(stream, "e11")
        #expect(try subscriber.received() == ["id: \(epoch).11\ndata: e11"])
    }

    /// A plain client cannot be told of a gap: it gets what the buffer still has.
    @Test func aPlainSubscriberResumingPastTheBufferGetsTheReplayAlone() throws {
        let stream = try origin(events: 10, buffer: 4)
        let resume = ResumePoint(since: 2, epoch: stream.status.epoch)
        let subscriber = try EmbeddedSubscriber(stream, .webSocket(.plain), resume: resume, loop: loop)
        #expect(try subscriber.received() == ["e7", "e8", "e9", "e10"])
    }

    @Test func aSubscriberWithoutResumeGetsLiveEventsOnly() throws {
        let stream = try origin(events: 3)
        let subscriber = try EmbeddedSubscriber(stream, .webSocket(.v1), loop: loop)
        #expect(try subscriber.received() == ["hello \(stream.status.epoch) 3\n"])
        try publish(stream, "e4")
        #expect(try subscriber.received() == ["4\ne4"])
        #expect(stream.status.subscribers == 1)
    }

    /// Ids the upstream skipped are announced before the next event, in each format that can.
    @Test func aHoleInTheMirroredIdsIsAnnouncedAsAGap() throws {
        let stream = mirror("up")
        let v1 = try EmbeddedSubscriber(stream, .webSocket(.v1), loop: loop)
        let sse = try EmbeddedSubscriber(stream, Self.sse, loop: loop)
        let plain = try EmbeddedSubscriber(stream, .webSocket(.plain), loop: loop)
        _ = try v1.received() + sse.received()
        stream.mirror(Event(id: 1, kind: .text, payload: ByteBuffer(string: "a")))
        stream.mirror(Event(id: 4, kind: .text, payload: ByteBuffer(string: "d")))
        loop.run()
        #expect(try v1.received() == ["1\na", "gap 2 3\n", "4\nd"])
        #expect(try sse.received() == ["id: up.1\ndata: a", "event: gap\ndata: {\"first\":2,\"last\":3}", "id: up.4\ndata: d"])
        #expect(try plain.received() == ["a", "d"])
    }

    // MARK: A new upstream epoch

    /// Ids restart with the epoch: a client that tracks ids must reconnect (and hear of the
    /// gap), a plain one just goes on with the new epoch's events.
    @Test func aNewEpochEndsV1AndSSESubscriptionsWhilePlainOnesContinue() throws {
        let stream = mirror("one")
        let v1 = try EmbeddedSubscriber(stream, .webSocket(.v1), loop: loop)
        let sse = try EmbeddedSubscriber(stream, Self.sse, loop: loop)
        let plain = try EmbeddedSubscriber(stream, .webSocket(.plain), loop: loop)
        for id in 1...3 { stream.mirror(Event(id: UInt64(id), kind: .text, payload: ByteBuffer(string: "old\(id)"))) }
        loop.run()
        _ = try v1.received() + sse.received()
        #expect(try plain.received() == ["old1", "old2", "old3"])

        stream.adoptUpstreamEpoch(Epoch("two")!, lastID: 0)
        stream.mirror(Event(id: 1, kind: .text, payload: ByteBuffer(string: "new1")))
        loop.run()
        #expect(try v1.received() == ["close 1012"])
        #expect(try sse.received() == ["end"])
        #expect(!sse.channel.isActive)
        #expect(try plain.received() == ["new1"])
        #expect(stream.status.subscribers == 1)
    }

    /// The restart reaches the loop after a subscriber that joined in the new epoch already.
    @Test func aSubscriberThatJoinedInTheNewEpochIsNotRestarted() throws {
        let stream = mirror("one")
        stream.adoptUpstreamEpoch(Epoch("two")!, lastID: 0)
        let late = try EmbeddedSubscriber(stream, .webSocket(.v1), loop: loop)
        stream.mirror(Event(id: 1, kind: .text, payload: ByteBuffer(string: "new1")))
        loop.run()
        #expect(try late.received() == ["hello two 0\n", "1\nnew1"])
        #expect(late.channel.isActive)
    }

    // MARK: SSE heartbeats

    @Test func sseSubscribersGetAHeartbeatEveryInterval() throws {
        let stream = try origin(events: 0)
        let subscriber = try EmbeddedSubscriber(stream, Self.sse, loop: loop)
        #expect(try subscriber.received() == ["retry: 2000"])
        loop.advanceTime(by: .seconds(15) - .milliseconds(1))
        #expect(try subscriber.received().isEmpty)
        loop.advanceTime(by: .milliseconds(1))
        #expect(try subscriber.received() == [":"])
        loop.advanceTime(by: .seconds(45))
        #expect(try subscriber.received() == [":", ":", ":"])
    }

    @Test func heartbeatsStopWhenTheSubscriptionEnds() throws {
        let stream = mirror("one")
        let subscriber = try EmbeddedSubscriber(stream, Self.sse, loop: loop)
        stream.adoptUpstreamEpoch(Epoch("two")!, lastID: 0)
        loop.run()
        #expect(try subscriber.received() == ["retry: 2000", "end"])
        loop.advanceTime(by: .seconds(60))
        #expect(try subscriber.received().isEmpty)
    }

    // MARK: Slow consumers

    /// The size of event `id`'s v1 frame with a 100-byte payload: a 2-byte frame header (the
    /// payload is under 126 bytes), the id line, the payload.
    static func v1FrameSize(id: UInt64) -> Int { 2 + "\(id)\n".utf8.count + 100 }

    static let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: 100)

    /// While the channel stays writable (under its high-water mark), pending bytes are not
    /// even counted: the cheap screen lets every delivery through.
    @Test func aWritableChannelIsNeverCountedAsSlow() throws {
        let stream = try origin(events: 0)
        let subscriber = try EmbeddedSubscriber(stream, .webSocket(.v1), maxPendingBytes: 1024, loop: loop, holdingFlushes: true)
        for _ in 1...50 { try stream.publish(kind: .text, payload: Self.payload) }
        loop.run()
        #expect(subscriber.pendingBytes > 5 * 1024)
        #expect(stream.status.subscribers == 1)
        subscriber.valve.open()
        #expect(try subscriber.received().count == 51)
    }

    /// Past the high-water mark the exact count decides: up to the limit the subscriber stays;
    /// one byte past it, it is closed with 1013 and gets nothing more.
    @Test func anUnwritableWebSocketSubscriberIsClosedWith1013OncePastTheLimit() throws {
        let stream = try origin(events: 0)
        let epoch = stream.status.epoch
        let hello = V1Header.hello(epoch: epoch, lastID: 0).controlFrame(allocator: ByteBufferAllocator()).readableBytes
        let limit = hello + (1...3).map { Self.v1FrameSize(id: $0) }.reduce(0, +)
        let subscriber = try EmbeddedSubscriber(
            stream,
            .webSocket(.v1),
            maxPendingBytes: limit,
            loop: loop,
            writable: false,
            holdingFlushes: true
        )
        for _ in 1...3 {
            try stream.publish(kind: .text, payload: Self.payload)
            loop.run()
        }
        #expect(subscriber.pendingBytes == limit)
        #expect(stream.status.subscribers == 1)
        for _ in 4...5 {
            try stream.publish(kind: .text, payload: Self.payload)
            loop.run()
        }
        #expect(stream.status.subscribers == 0)
        subscriber.valve.open()
        let received = try subscriber.received()
        #expect(received.count == 6)
        #expect(received.last == "close 1013")
        #expect(received.dropLast().last?.hasPrefix("4\n") == true)
    }

    @Test func anUnwritableSSESubscriberIsDisconnectedOncePastTheLimit() throws {
        let stream = try origin(events: 0)
        let subscriber = try EmbeddedSubscriber(stream, Self.sse, maxPendingBytes: 1024, loop: loop, writable: false, holdingFlushes: true)
        var published = 0
        while subscriber.channel.isActive, published < 100 {
            try stream.publish(kind: .text, payload: Self.payload)
            loop.run()
            published += 1
        }
        #expect(!subscriber.channel.isActive)
        #expect(stream.status.subscribers == 0)
        // About 1 KiB of events of ~150 bytes: the limit, not the loop's bound, ended it.
        #expect(published < 20)
    }

    /// A joining subscriber's replay may be far larger than the limit: it is allowed on top of
    /// it until it has gone out, then the limit alone applies again.
    @Test func theReplayIsAllowedOnTopOfTheLimitUntilItHasGoneOut() throws {
        let stream = WireEventStream(path: "/events")
        for _ in 1...10 { try stream.publish(kind: .text, payload: Self.payload) }
        let limit = Self.v1FrameSize(id: 11) * 5 / 2
        let subscriber = try EmbeddedSubscriber(
            stream,
            .webSocket(.v1),
            resume: ResumePoint(since: 0, epoch: stream.status.epoch),
            maxPendingBytes: limit,
            loop: loop,
            writable: false,
            holdingFlushes: true
        )
        try stream.publish(kind: .text, payload: Self.payload)
        loop.run()
        #expect(subscriber.pendingBytes > 4 * limit)
        #expect(stream.status.subscribers == 1)

        // The peer reads the replay and stalls again: two more events fit, a third does not.
        subscriber.valve.open()
        #expect(try subscriber.received().count == 12)
        subscriber.valve.isShut = true
        for _ in 12...13 {
            try stream.publish(kind: .text, payload: Self.payload)
            loop.run()
        }
        #expect(stream.status.subscribers == 1)
        try stream.publish(kind: .text, payload: Self.payload)
        loop.run()
        #expect(stream.status.subscribers == 0)
        subscriber.valve.open()
        #expect(try subscriber.received().last == "close 1013")
    }
}
