import Testing

import WSEventCore
@testable import WSEventStreams

@Suite struct ResumePlanTests {
    let epoch = Epoch("epochA")!

    func buffer(_ ids: ClosedRange<UInt64>, capacity: Int = 100) -> ReplayBuffer<String> {
        .holding(ids, capacity: capacity)
    }

    func describe(_ plan: ResumePlan<String>) -> [String] { plan.lines }

    @Test func liveOnlyWithoutResume() {
        let plan = ResumePlan(resume: nil, epoch: epoch, lastID: 10, buffer: buffer(1...10))
        #expect(plan.items.isEmpty)
        #expect(plan.position == 10)
    }

    @Test func replaysExactlyTheEventsAfterSince() {
        let plan = ResumePlan(resume: ResumePoint(since: 7, epoch: epoch), epoch: epoch, lastID: 10, buffer: buffer(1...10))
        #expect(describe(plan) == ["8", "9", "10"])
        #expect(plan.position == 10)
    }

    @Test func missingEpochMeansTheCurrentOne() {
        let plan = ResumePlan(resume: ResumePoint(since: 8, epoch: nil), epoch: epoch, lastID: 10, buffer: buffer(1...10))
        #expect(describe(plan) == ["9", "10"])
    }

    @Test func gapWhenTheBufferNoLongerReaches() {
        let plan = ResumePlan(resume: ResumePoint(since: 2, epoch: epoch), epoch: epoch, lastID: 10, buffer: buffer(6...10))
        #expect(describe(plan) == ["gap 3 5", "6", "7", "8", "9", "10"])
    }

    @Test func gapCoversEverythingWhenTheBufferIsEmpty() {
        let plan = ResumePlan(resume: ResumePoint(since: 2, epoch: epoch), epoch: epoch, lastID: 10, buffer: ReplayBuffer<String>(capacity: 0))
        #expect(describe(plan) == ["gap 3 10"])
        #expect(plan.position == 10)
    }

    @Test func otherEpochGetsGapZeroThenTheWholeBuffer() {
        let plan = ResumePlan(resume: ResumePoint(since: 50, epoch: Epoch("old")!), epoch: epoch, lastID: 10, buffer: buffer(4...10))
        #expect(describe(plan) == ["gap 0 3", "4", "5", "6", "7", "8", "9", "10"])
        let fresh = ResumePlan(resume: ResumePoint(since: 50, epoch: Epoch("old")!), epoch: epoch, lastID: 2, buffer: buffer(1...2))
        #expect(describe(fresh) == ["gap 0 0", "1", "2"])
    }

    @Test func upToDateSubscriberGetsNothing() {
        let plan = ResumePlan(resume: ResumePoint(since: 10, epoch: epoch), epoch: epoch, lastID: 10, buffer: buffer(1...10))
        #expect(plan.items.isEmpty)
        #expect(plan.position == 10)
    }

    @Test func subscriberAheadOfARefillingRelayWaitsForItsIds() {
        // The upstream announced 20: ids up to there exist and are on their way.
        let relay = ResumePlan(resume: ResumePoint(since: 15, epoch: epoch), epoch: epoch, lastID: 10, buffer: buffer(1...10), upstreamLastID: 20)
        #expect(relay.items.isEmpty)
        #expect(relay.position == 15)
        let atTheUpstreamsLast = ResumePlan(resume: ResumePoint(since: 20, epoch: nil), epoch: epoch, lastID: 10, buffer: buffer(1...10), upstreamLastID: 20)
        #expect(atTheUpstreamsLast.items.isEmpty)
        #expect(atTheUpstreamsLast.position == 20)
        // An origin cannot be behind its own client: that id is from an earlier life.
        let origin = ResumePlan(resume: ResumePoint(since: 15, epoch: nil), epoch: epoch, lastID: 10, buffer: buffer(4...10))
        #expect(describe(origin) == ["gap 0 3", "4", "5", "6", "7", "8", "9", "10"])
        #expect(origin.position == 10)
    }

    @Test func subscriberPastWhatTheUpstreamAnnouncedIsAnsweredAsAtTheOrigin() {
        // Nobody told this relay of such ids: waiting for them could last for ever.
        for since in [21, UInt64.max] {
            let plan = ResumePlan(resume: ResumePoint(since: since, epoch: epoch), epoch: epoch, lastID: 10, buffer: buffer(4...10), upstreamLastID: 20)
            #expect(describe(plan) == ["gap 0 3", "4", "5", "6", "7", "8", "9", "10"])
            #expect(plan.position == 10)
        }
        // A relay that just adopted its epoch and has mirrored nothing yet.
        let empty = ResumePlan(resume: ResumePoint(since: .max, epoch: nil), epoch: epoch, lastID: 0, buffer: ReplayBuffer<String>(capacity: 10), upstreamLastID: 0)
        #expect(describe(empty) == ["gap 0 0"])
        #expect(empty.position == 0)
    }

    @Test func holesInARelayBufferBecomeGaps() {
        var holey = ReplayBuffer<String>(capacity: 10)
        for id: UInt64 in [1, 2, 6, 7] { holey.append(id: id, "e\(id)") }
        let plan = ResumePlan(resume: ResumePoint(since: 1, epoch: epoch), epoch: epoch, lastID: 7, buffer: holey)
        #expect(describe(plan) == ["2", "gap 3 5", "6", "7"])
    }
}
