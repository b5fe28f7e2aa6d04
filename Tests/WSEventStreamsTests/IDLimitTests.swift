import NIOCore
import NIOEmbedded
import Testing

import WSEventCore
@testable import WSEventStreams

/// Ids at the top of the range: the largest is 2^64 − 2, so every id has a next one. Nothing
/// here may trap on overflow; a stream refuses what would take it past the largest.
@Suite struct IDLimitTests {
    let epoch = Epoch("top")!
    let max = Event.maxID

    func buffer(_ ids: [UInt64]) -> ReplayBuffer<String> { .holding(ids) }

    func describe(_ plan: ResumePlan<String>) -> [String] { plan.lines }

    @Test func theLargestIDLeavesRoomForOneMore() {
        #expect(Event.maxID == 18_446_744_073_709_551_614)
        #expect(Event.maxID == UInt64.max - 1)
    }

    /// The relay: it mirrored 2^64 − 2 after a hole, and a subscriber resumes from
    /// 2^64 − 4.
    @Test func aResumeBelowTheLargestIDReplaysUpToIt() {
        let plan = ResumePlan(resume: ResumePoint(since: max - 2, epoch: epoch), epoch: epoch, lastID: max, buffer: buffer([max]), upstreamLastID: max)
        #expect(describe(plan) == ["gap \(max - 1) \(max - 1)", "\(max)"])
        #expect(plan.position == max)
        let contiguous = ResumePlan(resume: ResumePoint(since: max - 2, epoch: epoch), epoch: epoch, lastID: max, buffer: buffer([max - 2, max - 1, max]))
        #expect(describe(contiguous) == ["\(max - 1)", "\(max)"])
    }

    @Test func resumesAtAndPastTheLargestIDDoNotOverflow() {
        let atTheEnd = ResumePlan(resume: ResumePoint(since: max, epoch: epoch), epoch: epoch, lastID: max, buffer: buffer([max - 1, max]))
        #expect(atTheEnd.items.isEmpty)
        #expect(atTheEnd.position == max)
        // No id has it, whatever a library caller passes: answered as another epoch.
        for since in [UInt64.max, max] {
            let origin = ResumePlan(resume: ResumePoint(since: since, epoch: epoch), epoch: epoch, lastID: max - 1, buffer: buffer([max - 2, max - 1]))
            #expect(describe(origin) == ["gap 0 \(max - 3)", "\(max - 2)", "\(max - 1)"])
        }
        let nothingBuffered = ResumePlan(resume: ResumePoint(since: .max, epoch: epoch), epoch: epoch, lastID: max, buffer: buffer([]))
        #expect(describe(nothingBuffered) == ["gap 0 \(max)"])
        let bufferGone = ResumePlan(resume: ResumePoint(since: max - 5, epoch: epoch), epoch: epoch, lastID: max, buffer: buffer([]))
        #expect(describe(bufferGone) == ["gap \(max - 4) \(max)"])
    }

    @Test func theReplayBufferAnswersPastTheLargestID() {
        let held = buffer([max - 1, max])
        #expect(held.elements(after: .max).isEmpty)
        #expect(held.elements(after: max).isEmpty)
        #expect(held.elements(after: max - 1).map(\.id) == [max])
    }

    /// A relay that mirrored up to the largest id and then became an origin (its upstream
    /// turned plain) has no id left to give: it refuses the publish, and stays as it was.
    @Test func anOriginWithNoIDLeftRefusesThePublish() throws {
        let stream = TestStream(path: "/events", source: .awaitingUpstream)
        stream.adoptUpstreamEpoch(epoch, lastID: max - 1)
        stream.mirror(Event(id: max, kind: .text, payload: ByteBuffer(string: "last")))
        // No upstream may send past it; the stream drops such an event rather than trap later.
        stream.mirror(Event(id: .max, kind: .text, payload: ByteBuffer(string: "none")))
        #expect(stream.status.lastID == max)
        stream.becomeOrigin()
        #expect(throws: StreamPublishError.idsExhausted) { try stream.publish(kind: .text, payload: ByteBuffer(string: "x")) }
        #expect(stream.status.lastID == max)
        #expect(stream.status.bufferedEvents == 1)
    }

    @Test func anInProcessSubscriberResumesBelowTheLargestID() async throws {
        let stream = TestStream(path: "/events", source: .awaitingUpstream)
        stream.adoptUpstreamEpoch(epoch, lastID: max - 2)
        for id in [max - 1, max] { stream.mirror(Event(id: id, kind: .text, payload: ByteBuffer(string: "\(id)"))) }
        var seen: [String] = []
        let loop = EmbeddedEventLoop()
        let updates = stream.updates(resume: ResumePoint(since: max - 3, epoch: epoch), on: loop)
        loop.run()
        for try await update in updates {
            switch update {
            case .hello(_, let lastID): seen.append("hello \(lastID)")
            case .gap(let first, let last): seen.append("gap \(first) \(last)")
            case .event(let element): seen.append("\(element.id)")
            }
            if seen.count == 4 { break }
        }
        #expect(seen == ["hello \(max)", "gap \(max - 2) \(max - 2)", "\(max - 1)", "\(max)"])
    }
}
