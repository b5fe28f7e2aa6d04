import NIOCore
import Testing

import WSEventCore
@testable import WSEventRoles

@Suite struct ResumeTrackerTests {
    func message(_ text: String) -> WebSocketMessage { .text(text) }

    @Test func liveStartFollowsTheHello() throws {
        var tracker = ResumeTracker(position: nil)
        _ = try tracker.receive(message("hello ep 10\n"))
        #expect(tracker.position == ResumePoint(since: 10, epoch: Epoch("ep")!))
        guard case .event(let id, _, let payload) = try tracker.receive(message("11\nx")) else {
            Issue.record("expected an event")
            return
        }
        #expect(id == 11)
        #expect(String(buffer: payload) == "x")
        #expect(tracker.position?.since == 10, "not taken yet")
        tracker.took(.event(id: id, kind: .text, payload: payload))
        #expect(tracker.position?.since == 11)
    }

    /// A server with `-first-message` replays its newest events right after the hello to a
    /// subscription that came without a position, ids at or below the hello's: they are taken,
    /// and a reconnect resumes after the last one taken.
    @Test func takesAServersFirstMessagesAfterTheHello() throws {
        var tracker = ResumeTracker(position: nil)
        _ = try tracker.receive(message("hello ep 10\n"))
        let nine = try #require(try tracker.receive(message("9\nnine")))
        tracker.took(nine)
        #expect(tracker.position == ResumePoint(since: 9, epoch: Epoch("ep")!))
        let ten = try #require(try tracker.receive(message("10\nten")))
        tracker.took(ten)
        #expect(try tracker.receive(message("10\nten")) == nil, "a repeat is still dropped")
        #expect(try tracker.receive(message("9\nnine")) == nil)
        #expect(try tracker.receive(message("11\neleven")) != nil)
    }

    /// A fan-in wants live events only: what the server replays before them is not taken.
    @Test func withoutFirstMessagesTheHelloIsTheStart() throws {
        var tracker = ResumeTracker(position: nil, takesFirstMessages: false)
        _ = try tracker.receive(message("hello ep 10\n"))
        #expect(try tracker.receive(message("9\nnine")) == nil)
        #expect(try tracker.receive(message("11\neleven")) != nil)
    }

    /// A subscription that resumed from a position is replayed nothing at or below it: an
    /// event there is a repeat, also right after the hello of a reconnect.
    @Test func afterAReconnectNothingBeforeThePositionIsTaken() throws {
        var tracker = ResumeTracker(position: nil)
        _ = try tracker.receive(message("hello ep 10\n"))
        let ten = try #require(try tracker.receive(message("10\nten")))
        tracker.took(ten)
        _ = try tracker.receive(message("hello ep 12\n"))
        #expect(try tracker.receive(message("9\nnine")) == nil)
        #expect(try tracker.receive(message("11\neleven")) != nil)
    }

    @Test func dropsEventsAlreadySeen() throws {
        var tracker = ResumeTracker(position: ResumePoint(since: 5, epoch: Epoch("ep")!))
        _ = try tracker.receive(message("hello ep 9\n"))
        #expect(try tracker.receive(message("5\nold")) == nil)
        #expect(try tracker.receive(message("6\nnew")) != nil)
    }

    /// An event the consumer did not take (its store was down, the connection ended meanwhile)
    /// is asked for again: the position moves only when the consumer says it took one.
    @Test func thePositionMovesOnlyPastEventsTaken() throws {
        var tracker = ResumeTracker(position: ResumePoint(since: 5, epoch: Epoch("ep")!))
        _ = try tracker.receive(message("hello ep 9\n"))
        let six = try #require(try tracker.receive(message("6\nsix")))
        tracker.took(six)
        #expect(try tracker.receive(message("7\nseven")) != nil)
        // Not taken: a reconnect resumes after 6, and 7 is new again in its replay.
        #expect(tracker.position == ResumePoint(since: 6, epoch: Epoch("ep")!))
        #expect(WebSocketURL(host: "h", port: 1, path: "/e").addingResume(tracker.position).target == "/e?since=6&epoch=ep")
        _ = try tracker.receive(message("hello ep 9\n"))
        let seven = try #require(try tracker.receive(message("7\nseven")))
        tracker.took(seven)
        #expect(tracker.position?.since == 7)
        // Taking what is not an event, or an event again, moves nothing.
        tracker.took(.gap(first: 20, last: 30))
        tracker.took(six)
        #expect(tracker.position?.since == 7)
    }

    /// The largest id is 2^64 − 2: an upstream that sends 2^64 − 1 (which leaves no id after
    /// it) breaks the protocol, and the tracker says so instead of passing it on.
    @Test func anIDPastTheLargestIsAProtocolViolation() throws {
        var tracker = ResumeTracker(position: nil)
        _ = try tracker.receive(message("hello ep 18446744073709551613\n"))
        let last = try #require(try tracker.receive(message("18446744073709551614\nlast")))
        tracker.took(last)
        #expect(tracker.position?.since == Event.maxID)
        #expect(throws: UpstreamIDOutOfRange(id: .max, in: "event")) { try tracker.receive(message("18446744073709551615\nnone")) }
        #expect(throws: UpstreamIDOutOfRange(id: .max, in: "hello")) { try tracker.receive(message("hello ep 18446744073709551615\n")) }
        #expect(throws: UpstreamIDOutOfRange(id: .max, in: "gap")) { try tracker.receive(message("gap 3 18446744073709551615\n")) }
        #expect(tracker.position == ResumePoint(since: Event.maxID, epoch: Epoch("ep")!))
        #expect(
            UpstreamIDOutOfRange(id: .max, in: "event").description
                == "the server broke wsevent.v1: event id 18446744073709551615, past the largest id 18446744073709551614"
        )
    }

    @Test func newEpochCountsFromZero() throws {
        var tracker = ResumeTracker(position: ResumePoint(since: 50, epoch: Epoch("old")!))
        _ = try tracker.receive(message("hello new 3\n"))
        #expect(tracker.position == ResumePoint(since: 0, epoch: Epoch("new")!))
        #expect(try tracker.receive(message("1\nfirst")) != nil)
    }

    @Test func gapZeroMeansCountFromZero() throws {
        var tracker = ResumeTracker(position: ResumePoint(since: 5000, epoch: nil))
        _ = try tracker.receive(message("hello ep 10\n"))
        _ = try tracker.receive(message("gap 0 3\n"))
        #expect(try tracker.receive(message("4\nfour")) != nil)
    }

    @Test func sinceWithoutEpochTakesTheServers() throws {
        var tracker = ResumeTracker(position: ResumePoint(since: 0, epoch: nil))
        _ = try tracker.receive(message("hello ep 3\n"))
        #expect(tracker.position == ResumePoint(since: 0, epoch: Epoch("ep")!))
    }
}
