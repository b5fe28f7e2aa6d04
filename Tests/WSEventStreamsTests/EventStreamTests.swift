import NIOCore
import NIOPosix
import Testing

@testable import WSEventStreams

/// The streams layer knows no wire format: its tests use an element that just keeps the event.
struct PlainElement: StreamElement {
    let event: Event
    init(_ event: Event, epoch: Epoch, allocator: ByteBufferAllocator) { self.event = event }
    var id: UInt64 { event.id }
    var retainedBytes: Int { event.payload.readableBytes }
}

typealias TestStream = EventStream<PlainElement>

@Suite struct EventStreamTests {
    @Test func originAssignsConsecutiveIds() throws {
        let stream = TestStream(path: "events")
        #expect(stream.path == "/events")
        let first = try stream.publish(kind: .text, payload: ByteBuffer(string: "a"))
        let second = try stream.publish(kind: .binary, payload: ByteBuffer(bytes: [0, 1]))
        #expect(first.id == 1)
        #expect(second.id == 2)
        #expect(first.epoch == second.epoch)
        #expect(stream.status.lastID == 2)
    }

    @Test func payloadCanDependOnTheId() throws {
        let stream = TestStream(path: "/events")
        let result = try stream.publish(kind: .text) { id in ByteBuffer(string: "event \(id)") }
        #expect(result.id == 1)
    }

    /// The payload closure runs outside the state lock: reading the stream there is fine.
    @Test func thePayloadClosureMayReadTheStream() throws {
        let stream = TestStream(path: "/events")
        try stream.publish(kind: .text, payload: ByteBuffer(string: "first"))
        let result = try stream.publish(kind: .text) { id in
            ByteBuffer(string: "event \(id) after \(stream.status.lastID)")
        }
        #expect(result.id == 2)
        #expect(stream.status.lastID == 2)
    }

    /// The replay is bounded by bytes as well as by count; a resume past it hears of the gap.
    @Test func theReplayBufferHoldsAtMostItsBytes() async throws {
        let stream = TestStream(path: "/events", bufferSize: 1000, bufferBytes: 10_000)
        for _ in 0..<50 { try stream.publish(kind: .binary, payload: ByteBuffer(repeating: 1, count: 1000)) }
        let status = stream.status
        #expect(status.bufferedEvents == 10)
        #expect(status.bufferedBytes == 10_000)
        let resume = ResumePoint(since: 1, epoch: status.epoch)
        var updates = stream.updates(resume: resume, on: MultiThreadedEventLoopGroup.singleton.next()).makeAsyncIterator()
        var seen: [String] = []
        while seen.count < 12, let update = try await updates.next() {
            switch update {
            case .hello: seen.append("hello")
            case .gap(let first, let last): seen.append("gap \(first) \(last)")
            case .event(let element): seen.append("\(element.id)")
            }
        }
        #expect(seen == ["hello", "gap 2 40"] + (41...50).map(String.init))
    }

    /// After the goodbye no event may follow it: publishes are refused, so every acknowledged
    /// one was queued before it.
    @Test func aClosedStreamRefusesPublishes() throws {
        let stream = TestStream(path: "/events")
        try stream.publish(kind: .text, payload: ByteBuffer(string: "before"))
        stream.closeAllSubscribers()
        #expect(throws: StreamPublishError.closed) { try stream.publish(kind: .text, payload: ByteBuffer(string: "after")) }
        #expect(stream.status.lastID == 1)
    }

    @Test func relayIsNotReadyUntilItHearsFromUpstream() {
        let stream = TestStream(path: "/relay", source: .awaitingUpstream)
        #expect(!stream.isReady)
        stream.adoptUpstreamEpoch(Epoch("upstream")!, lastID: 0)
        #expect(stream.isReady)
        #expect(stream.status.epoch == Epoch("upstream")!)
    }

    @Test func mirrorKeepsUpstreamIdsAndDropsDuplicates() {
        let stream = TestStream(path: "/relay", source: .awaitingUpstream)
        stream.adoptUpstreamEpoch(Epoch("upstream")!, lastID: 0)
        stream.mirror(Event(id: 5, kind: .text, payload: ByteBuffer(string: "five")))
        stream.mirror(Event(id: 4, kind: .text, payload: ByteBuffer(string: "four, late")))
        stream.mirror(Event(id: 9, kind: .text, payload: ByteBuffer(string: "nine")))
        #expect(stream.status.lastID == 9)
        #expect(stream.mirrorPosition == ResumePoint(since: 9, epoch: Epoch("upstream")!))
    }

    @Test func relayRefusesPublish() {
        let stream = TestStream(path: "/relay", source: .awaitingUpstream)
        stream.adoptUpstreamEpoch(Epoch("upstream")!, lastID: 0)
        #expect(throws: StreamPublishError.self) {
            try stream.publish(kind: .text, payload: ByteBuffer(string: "x"))
        }
    }

    @Test func newUpstreamEpochRestartsIds() {
        let stream = TestStream(path: "/relay", source: .awaitingUpstream)
        stream.adoptUpstreamEpoch(Epoch("one")!, lastID: 0)
        stream.mirror(Event(id: 7, kind: .text, payload: ByteBuffer(string: "x")))
        stream.adoptUpstreamEpoch(Epoch("two")!, lastID: 0)
        #expect(stream.status.lastID == 0)
        #expect(stream.status.epoch == Epoch("two")!)
    }

    @Test func plainUpstreamMakesTheRelayAnOrigin() throws {
        let stream = TestStream(path: "/relay", source: .awaitingUpstream)
        stream.becomeOrigin()
        #expect(stream.isReady)
        #expect(try stream.publish(kind: .text, payload: ByteBuffer(string: "x")).id == 1)
    }
}
