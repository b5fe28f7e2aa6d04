/// Where a resuming subscriber asked to continue from: `?since=<id>&epoch=<epoch>`.
public struct ResumePoint: Sendable, Hashable {
    /// The last id the subscriber has.
    public var since: UInt64
    /// The epoch `since` belongs to; `nil` means "the stream's current epoch".
    public var epoch: Epoch?

    public init(since: UInt64, epoch: Epoch?) {
        self.since = since
        self.epoch = epoch
    }
}

/// One thing to send a subscriber before live events: a buffered event or a hole.
package enum ReplayItem<Element: Sendable>: Sendable {
    /// Ids `first...last` cannot be replayed. `first == 0` means the epoch changed: whatever
    /// followed `since` in the old epoch is lost too.
    case gap(first: UInt64, last: UInt64)
    case event(id: UInt64, Element)
}

/// What a subscriber gets when it joins: the replay, and the position live delivery continues
/// from. Pure logic over the replay buffer; computed under the stream's lock.
package struct ResumePlan<Element: Sendable>: Sendable {
    package var items: [ReplayItem<Element>]
    /// Live events with an id at or below this are not sent again.
    package var position: UInt64

    /// - Parameters:
    ///   - resume: `nil` for a subscriber that wants live events only.
    ///   - upstreamLastID: for a relay mirroring an upstream, the highest id the upstream is
    ///     known to have in this epoch (its `hello`, or a later event); `nil` at an origin.
    package init(
        resume: ResumePoint?,
        epoch: Epoch,
        lastID: UInt64,
        buffer: ReplayBuffer<Element>,
        upstreamLastID: UInt64? = nil
    ) {
        guard let resume else {
            self.items = []
            self.position = lastID
            return
        }
        // Another epoch's ids mean nothing here; nor does an id we cannot expect to reach.
        // Replay all we have, after saying so.
        let otherEpoch = resume.epoch.map { $0 != epoch } ?? false
        if otherEpoch || (resume.since > lastID && !ResumePlan.mayWait(since: resume.since, upstreamLastID: upstreamLastID)) {
            let replay = buffer.elements(after: 0)
            let firstKept = replay.first?.id ?? lastID + 1
            self.items = [.gap(first: 0, last: firstKept - 1)] + ResumePlan.withHoles(replay, after: firstKept - 1)
            self.position = lastID
            return
        }
        guard resume.since < lastID else {
            self.items = []
            self.position = max(resume.since, lastID)
            return
        }
        let replay = buffer.elements(after: resume.since)
        if replay.isEmpty {
            self.items = [.gap(first: resume.since + 1, last: lastID)]
        } else {
            self.items = ResumePlan.withHoles(replay, after: resume.since)
        }
        self.position = lastID
    }

    /// Whether a subscriber whose `since` is past the stream's last id may wait for the ids up
    /// to it, instead of being answered as a client of another epoch.
    ///
    /// An origin has every id of its epoch, so an id past its last one comes from an earlier
    /// life of the stream whose epoch the client lost: never wait. A relay may be behind a
    /// client in the same epoch (it refills from its upstream after a reconnect, or a sibling
    /// relay behind the same load balancer got further), but only as far as its upstream has
    /// announced: the upstream's `hello <epoch> <last-id>` (and each event since) says those
    /// ids exist, and the upstream link delivers them, or a `gap` over them, so the wait ends.
    /// An id past everything the upstream announced is, as far as anyone can tell this relay,
    /// not of this epoch (`since=18446744073709551614`); waiting for it could last for ever, so
    /// it is answered as the origin answers it. That loses nothing: at worst a client that came
    /// from a relay a few live events ahead gets `gap 0 N` and events it already has.
    static func mayWait(since: UInt64, upstreamLastID: UInt64?) -> Bool {
        guard let upstreamLastID else { return false }
        return since <= upstreamLastID
    }

    /// The replayed events, with a `gap` before each one that does not follow its predecessor.
    private static func withHoles(_ replay: [(id: UInt64, element: Element)], after start: UInt64) -> [ReplayItem<Element>] {
        var items: [ReplayItem<Element>] = []
        items.reserveCapacity(replay.count + 1)
        var expected = start + 1
        for (id, element) in replay {
            if id > expected { items.append(.gap(first: expected, last: id - 1)) }
            items.append(.event(id: id, element))
            expected = id + 1
        }
        return items
    }
}
