import NIOCore
import Testing

@testable import WSEventRoles
import WSEventCore

/// The tracker's SSE branch: SSE has no `hello` and no header line, so the epoch and id come
/// from each event's `id: <epoch>.<id>`, gaps from `event: gap`, binary from base64.
@Suite struct ResumeTrackerSSETests {
    /// One update as a line, to compare whole sequences.
    static func line(_ update: ResumingSubscriber.Update) -> String {
        switch update {
        case .connected(let speaksV1): "connected \(speaksV1)"
        case .hello(let epoch, let lastID): "hello \(epoch) \(lastID)"
        case .event(let id, .text, let payload): "event \(id.map(String.init) ?? "-") text \(String(buffer: payload))"
        case .event(let id, .binary, let payload): "event \(id.map(String.init) ?? "-") binary \(Array(payload.readableBytesView))"
        case .gap(let first, let last): "gap \(first) \(last)"
        case .disconnected(let reason): "disconnected \(reason)"
        }
    }

    /// What the tracker makes of `text`, read as a browser's EventSource reads it, each event
    /// taken as a consumer takes it.
    static func receive(_ text: String, into tracker: inout ResumeTracker) throws -> [String] {
        var parser = SSEParser()
        return try parser.feed(Array(text.utf8)).flatMap { try take(tracker.receive($0), &tracker) }
    }

    /// What the tracker makes of one message, each event taken.
    static func receive(_ message: SSEParser.Message, into tracker: inout ResumeTracker) throws -> [String] {
        try take(tracker.receive(message), &tracker)
    }

    static func take(_ updates: [ResumingSubscriber.Update], _ tracker: inout ResumeTracker) -> [String] {
        for update in updates { tracker.took(update) }
        return updates.map(line)
    }

    static func message(_ data: String, event: String = "message", id: String?) -> SSEParser.Message {
        SSEParser.Message(event: event, data: data, id: id)
    }

    @Test func theFirstEventOfAnEpochStandsForItsHello() throws {
        var tracker = ResumeTracker(position: nil)
        #expect(try Self.receive("retry: 2000\n\nid: ep.5\ndata: five\n\n", into: &tracker) == ["hello ep 5", "event 5 text five"])
        #expect(tracker.position == ResumePoint(since: 5, epoch: Epoch("ep")!))
        #expect(tracker.lastEventID == "ep.5")
        #expect(try Self.receive("id: ep.6\ndata: six\ndata: lines\n\n", into: &tracker) == ["event 6 text six\nlines"])
    }

    /// A reconnect's replay may overlap what was seen: those events are dropped, once each.
    @Test func eventsAlreadySeenAreDropped() throws {
        var tracker = ResumeTracker(position: ResumePoint(since: 5, epoch: Epoch("ep")!))
        #expect(try Self.receive(Self.message("old", id: "ep.4"), into: &tracker).isEmpty)
        #expect(try Self.receive(Self.message("seen", id: "ep.5"), into: &tracker).isEmpty)
        #expect(try Self.receive(Self.message("new", id: "ep.6"), into: &tracker) == ["event 6 text new"])
        #expect(try Self.receive(Self.message("new", id: "ep.6"), into: &tracker).isEmpty)
    }

    /// The server restarted: its ids count from 1 again, and the new epoch is announced once.
    @Test func aNewEpochIsAHelloAndCountsFromZero() throws {
        var tracker = ResumeTracker(position: ResumePoint(since: 50, epoch: Epoch("old")!))
        #expect(try Self.receive(Self.message("first", id: "new.1"), into: &tracker) == ["hello new 1", "event 1 text first"])
        #expect(try Self.receive(Self.message("second", id: "new.2"), into: &tracker) == ["event 2 text second"])
        #expect(tracker.position == ResumePoint(since: 2, epoch: Epoch("new")!))
    }

    @Test func aBinaryEventIsDecodedFromBase64() throws {
        var tracker = ResumeTracker(position: nil)
        let bytes = ByteBuffer(bytes: [0, 1, 2, 0xFF, 0x0A])
        let text = String(buffer: SSEFormat.event(epoch: Epoch("ep")!, id: 3, kind: .binary, payload: bytes, allocator: ByteBufferAllocator()))
        #expect(try Self.receive(text, into: &tracker) == ["hello ep 3", "event 3 binary [0, 1, 2, 255, 10]"])
    }

    @Test func aGapEventIsPassedOnAndGapZeroCountsFromZero() throws {
        var tracker = ResumeTracker(position: ResumePoint(since: 5000, epoch: Epoch("ep")!))
        #expect(try Self.receive(String(buffer: SSEFormat.gap(first: 0, last: 3)), into: &tracker) == ["gap 0 3"])
        #expect(tracker.position == ResumePoint(since: 0, epoch: Epoch("ep")!))
        #expect(try Self.receive(Self.message("four", id: "ep.4"), into: &tracker) == ["event 4 text four"])
        #expect(try Self.receive(Self.message("{\"first\":7,\"last\":9}", event: "gap", id: "ep.4"), into: &tracker) == ["gap 7 9"])
        #expect(tracker.position?.since == 4)
    }

    /// What cannot be placed in an epoch is not passed on as an event.
    @Test func eventsWithoutAnEpochIdAreIgnored() throws {
        var tracker = ResumeTracker(position: nil)
        #expect(try Self.receive(Self.message("no id", id: nil), into: &tracker).isEmpty)
        #expect(try Self.receive(Self.message("bare id", id: "7"), into: &tracker).isEmpty)
        #expect(try Self.receive(Self.message("bad id", id: "ep.x"), into: &tracker).isEmpty)
        #expect(try Self.receive(Self.message("{\"first\":1}", event: "gap", id: nil), into: &tracker).isEmpty)
        #expect(tracker.position == nil)
        #expect(tracker.lastEventID == nil)
    }

    @Test func anIDPastTheLargestIsAProtocolViolation() throws {
        var tracker = ResumeTracker(position: nil)
        #expect(try Self.receive(Self.message("last", id: "ep.18446744073709551614"), into: &tracker) == ["hello ep 18446744073709551614", "event 18446744073709551614 text last"])
        #expect(throws: UpstreamIDOutOfRange.self) { try tracker.receive(Self.message("none", id: "ep.18446744073709551615")) }
        #expect(throws: UpstreamIDOutOfRange.self) { try tracker.receive(Self.message("{\"first\":1,\"last\":18446744073709551615}", event: "gap", id: nil)) }
        #expect(tracker.lastEventID == "ep.18446744073709551614")
    }

    @Test func lastEventIDResumesWhereTheTrackerStands() throws {
        #expect(ResumeTracker(position: ResumePoint(since: 7, epoch: Epoch("ep")!)).lastEventID == "ep.7")
        #expect(ResumeTracker(position: ResumePoint(since: 7, epoch: nil)).lastEventID == "7")
    }
}
