import NIOCore
import Testing

@testable import WSEventStreams

@Suite struct FirstMessageTests {
    let epoch = Epoch("epochA")!

    @Test func parsesTheFlagsSpellings() {
        #expect(FirstMessage("newest") == .newest(1))
        #expect(FirstMessage("oldest") == .oldest)
        #expect(FirstMessage("live") == .live)
        #expect(FirstMessage("-1") == .newest(1))
        #expect(FirstMessage("-25") == .newest(25))
        #expect(FirstMessage("-10000000") == .newest(10_000_000))
        for bad in ["", "-", "-0", "5", "+5", "-10000001", "-1.5", "- 3", "-٣", "newest ", "Newest", "all"] {
            #expect(FirstMessage(bad) == nil, "\(bad)")
        }
        #expect([FirstMessage.live, .newest(1), .newest(7), .oldest].map(\.description) == ["live", "newest", "-7", "oldest"])
    }

    @Test func liveStartsNowhere() {
        #expect(FirstMessage.live.start(lastID: 10, epoch: epoch, oldestHeld: 1, capacity: 100) == nil)
    }

    @Test func newestStartsBeforeTheLastEvents() {
        #expect(FirstMessage.newest(1).start(lastID: 10, epoch: epoch, oldestHeld: 1, capacity: 100) == ResumePoint(since: 9, epoch: epoch))
        #expect(FirstMessage.newest(3).start(lastID: 10, epoch: epoch, oldestHeld: 1, capacity: 100) == ResumePoint(since: 7, epoch: epoch))
        // Fewer events than asked for: all of them.
        #expect(FirstMessage.newest(30).start(lastID: 10, epoch: epoch, oldestHeld: 1, capacity: 100) == ResumePoint(since: 0, epoch: epoch))
    }

    /// An empty stream: the start is its (zero) last id, so whatever is published before the
    /// subscriber joins is replayed, and nothing else.
    @Test func anEmptyStreamStartsAtZero() {
        for policy in [FirstMessage.newest(1), .newest(5), .oldest] {
            #expect(policy.start(lastID: 0, epoch: epoch, oldestHeld: 1, capacity: 100) == ResumePoint(since: 0, epoch: epoch))
        }
    }

    /// What the buffer no longer holds is not asked for: such a replay never opens with a gap.
    @Test func theStartNeverReachesBelowWhatIsHeld() {
        #expect(FirstMessage.newest(30).start(lastID: 100, epoch: epoch, oldestHeld: 91, capacity: 10) == ResumePoint(since: 90, epoch: epoch))
        #expect(FirstMessage.oldest.start(lastID: 100, epoch: epoch, oldestHeld: 91, capacity: 10) == ResumePoint(since: 90, epoch: epoch))
        // The bytes bound dropped more than the count would: the oldest held is the start.
        #expect(FirstMessage.oldest.start(lastID: 100, epoch: epoch, oldestHeld: 96, capacity: 10) == ResumePoint(since: 95, epoch: epoch))
        // Nothing held (an empty buffer's oldest is the id after the last): live only.
        #expect(FirstMessage.newest(1).start(lastID: 100, epoch: epoch, oldestHeld: 101, capacity: 0) == ResumePoint(since: 100, epoch: epoch))
    }

    /// A store reaches back further than memory: `oldest` is then the last `-buffer` events.
    @Test func oldestIsTheBuffersWorth() {
        #expect(FirstMessage.oldest.start(lastID: 5000, epoch: epoch, oldestHeld: 1, capacity: 1024) == ResumePoint(since: 3976, epoch: epoch))
    }

    /// Through the stream: the plan of a subscriber that starts there replays exactly the
    /// newest events, with no gap, whatever the buffer dropped.
    @Test func aStreamsStartGivesAPlanOfTheNewestEvents() throws {
        let stream = TestStream(path: "/events", bufferSize: 4)
        #expect(stream.start(for: .newest(2)) == ResumePoint(since: 0, epoch: stream.status.epoch))
        for _ in 0..<10 { try stream.publish(kind: .text, payload: ByteBuffer(string: "x")) }
        let epoch = stream.status.epoch
        #expect(stream.start(for: .live) == nil)
        #expect(stream.start(for: .newest(1)) == ResumePoint(since: 9, epoch: epoch))
        #expect(stream.start(for: .newest(3)) == ResumePoint(since: 7, epoch: epoch))
        #expect(stream.start(for: .newest(9)) == ResumePoint(since: 6, epoch: epoch))
        #expect(stream.start(for: .oldest) == ResumePoint(since: 6, epoch: epoch))
    }

    @Test func aRelayThatHasNotReachedItsUpstreamHasNoStart() {
        let stream = TestStream(path: "/events", source: .awaitingUpstream)
        #expect(stream.start(for: .newest(1)) == nil)
    }
}
