import Testing

@testable import WSEventRoles
import WSEventCore

/// docs/PROTOCOL.md lets the server add header lines within `wsevent.v1`; a client must skip a
/// message whose header line it does not know and go on. This is that rule for our client.
@Suite struct V1ForwardCompatibilityTests {
    @Test(arguments: ["resync ep 7\n", "hello ep 7 extra\n", "gap 3\n", "0\nzero", "no newline at all"])
    func anUnknownHeaderLineIsSkippedAndTheNextEventStillCounts(unknown: String) throws {
        var tracker = ResumeTracker(position: nil)
        _ = try tracker.receive(.text("hello ep 6\n"))
        #expect(try tracker.receive(.text(unknown)) == nil)
        #expect(tracker.position == ResumePoint(since: 6, epoch: Epoch("ep")!))
        guard case .event(let id, _, _) = try tracker.receive(.text("7\nseven")) else {
            Issue.record("the event after the unknown line was not passed on")
            return
        }
        #expect(id == 7)
    }
}
