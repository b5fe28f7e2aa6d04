import NIOCore
import Testing

import WSEventCore
@testable import WSEventRoles

@Suite struct ResumeTrackerTests {
    func message(_ text: String) -> WebSocketMessage { .text(text) }

    @Test func liveStartFollowsTheHello() {
        var tracker = ResumeTracker(position: nil)
        _ = tracker.receive(message("hello ep 10\n"))
        #expect(tracker.position == ResumePoint(since: 10, epoch: Epoch("ep")!))
        guard case .event(let id, _, let payload) = tracker.receive(message("11\nx")) else {
            Issue.record("expected an event")
            return
        }
        #expect(id == 11)
        #expect(String(buffer: payload) == "x")
        #expect(tracker.position?.since == 11)
    }

    @Test func dropsEventsAlreadySeen() {
        var tracker = ResumeTracker(position: ResumePoint(since: 5, epoch: Epoch("ep")!))
        _ = tracker.receive(message("hello ep 9\n"))
        #expect(tracker.receive(message("5\nold")) == nil)
        #expect(tracker.receive(message("6\nnew")) != nil)
    }

    @Test func newEpochCountsFromZero() {
        var tracker = ResumeTracker(position: ResumePoint(since: 50, epoch: Epoch("old")!))
        _ = tracker.receive(message("hello new 3\n"))
        #expect(tracker.position == ResumePoint(since: 0, epoch: Epoch("new")!))
        #expect(tracker.receive(message("1\nfirst")) != nil)
    }

    @Test func gapZeroMeansCountFromZero() {
        var tracker = ResumeTracker(position: ResumePoint(since: 5000, epoch: nil))
        _ = tracker.receive(message("hello ep 10\n"))
        _ = tracker.receive(message("gap 0 3\n"))
        #expect(tracker.receive(message("4\nfour")) != nil)
    }

    @Test func sinceWithoutEpochTakesTheServers() {
        var tracker = ResumeTracker(position: ResumePoint(since: 0, epoch: nil))
        _ = tracker.receive(message("hello ep 3\n"))
        #expect(tracker.position == ResumePoint(since: 0, epoch: Epoch("ep")!))
    }
}
