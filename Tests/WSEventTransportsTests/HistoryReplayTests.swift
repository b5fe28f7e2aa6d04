import Testing
import WSEventCore

@testable import WSEventTransports

@Suite struct HistoryReplayTests {
    let epoch = Epoch("e1")!

    func status(lastID: UInt64, buffered: Int, source: StreamSource = .store) -> StreamStatus {
        StreamStatus(path: "/events", epoch: epoch, lastID: lastID, source: source, subscribers: 0, bufferedEvents: buffered, bufferedBytes: 0)
    }

    @Test func liveSubscribersAndInMemoryStreamsNeverNeedTheStore() {
        #expect(HistoryReplay.decide(resume: nil, status: status(lastID: 100, buffered: 4)) == .none)
        #expect(HistoryReplay.decide(resume: ResumePoint(since: 1, epoch: epoch), status: status(lastID: 100, buffered: 4, source: .origin)) == .none)
    }

    @Test func aResumeOlderThanTheBufferIsReplayedFromTheStore() {
        // The buffer holds 97...100.
        #expect(HistoryReplay.firstBuffered(status(lastID: 100, buffered: 4)) == 97)
        #expect(HistoryReplay.decide(resume: ResumePoint(since: 95, epoch: epoch), status: status(lastID: 100, buffered: 4)) == .fromStore(since: 95))
        #expect(HistoryReplay.decide(resume: ResumePoint(since: 96, epoch: nil), status: status(lastID: 100, buffered: 4)) == .none)
        // Just restarted: nothing in memory yet.
        #expect(HistoryReplay.decide(resume: ResumePoint(since: 0, epoch: epoch), status: status(lastID: 100, buffered: 0)) == .fromStore(since: 0))
        #expect(HistoryReplay.decide(resume: ResumePoint(since: 100, epoch: epoch), status: status(lastID: 100, buffered: 0)) == .none)
    }

    @Test func anotherEpochIsLeftToTheUsualGap() {
        #expect(HistoryReplay.decide(resume: ResumePoint(since: 5, epoch: Epoch("other")!), status: status(lastID: 100, buffered: 4)) == .none)
    }

    @Test func aResumeAheadOfThisInstanceCatchesUpFirst() {
        #expect(HistoryReplay.decide(resume: ResumePoint(since: 105, epoch: epoch), status: status(lastID: 100, buffered: 4)) == .catchUp)
    }
}
