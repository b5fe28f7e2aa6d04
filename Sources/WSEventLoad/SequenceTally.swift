/// What one subscriber received, counted event by event: how many, and how many came out of
/// order. Loss is not counted here but at the end, against what the publishers had
/// acknowledged (``lost(expected:)``), because an event may still be on its way when a gap
/// first shows.
///
/// Order is judged per publishing connection: a connection sends its next event only after the
/// server answered the previous one, so the server must deliver a connection's events in its
/// sequence order. Events of different connections may interleave either way.
package struct SequenceTally: Sendable {
    /// Events of this run received (each counts once per arrival).
    package private(set) var received = 0
    /// Events that arrived after a later event of the same publishing connection (late, or
    /// delivered twice: both break the server's promise of order).
    package private(set) var reordered = 0
    /// Payloads without this run's header (another run's events, a producer's own payloads).
    package private(set) var foreign = 0
    /// The highest sequence seen per publishing connection (0: none yet).
    private var highest: [UInt64] = []

    /// Publishing connections beyond this are not tracked for order (a stray header must not
    /// make the tally allocate without bound).
    static let maxPublishers = 4096

    package init() {}

    /// Counts one received event. Returns true when it was an event of `run`.
    @discardableResult
    package mutating func count(_ header: PayloadHeader?, run: UInt16) -> Bool {
        guard let header, header.run == run else {
            foreign += 1
            return false
        }
        received += 1
        let publisher = Int(header.publisher)
        guard publisher < Self.maxPublishers else { return true }
        if publisher >= highest.count { highest += repeatElement(0, count: publisher + 1 - highest.count) }
        if header.sequence > highest[publisher] {
            highest[publisher] = header.sequence
        } else {
            reordered += 1
        }
        return true
    }

    /// Counts a message whose payload carries no header at all, as a server that produces by
    /// itself sends: counted as delivered, with no order or loss to judge.
    package mutating func countUntagged() {
        received += 1
    }

    /// Events of `expected` (those the publishers had acknowledged) that never arrived. An
    /// event delivered twice hides one lost event here, but shows in ``reordered``.
    package func lost(expected: Int) -> Int {
        max(0, expected - received)
    }
}
