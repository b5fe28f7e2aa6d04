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
public enum ReplayItem<Element: Sendable>: Sendable {
    /// Ids `first...last` cannot be replayed. `first == 0` means the epoch changed: whatever
    /// followed `since` in the old epoch is lost too.
    case gap(first: UInt64, last: UInt64)
    case event(id: UInt64, Element)
}

/// What a subscriber gets when it joins: the replay, and the position live delivery continues
/// from. Pure logic over the replay buffer; computed under the stream's lock.
public struct ResumePlan<Element: Sendable>: Sendable {
    public var items: [ReplayItem<Element>]
    /// Live events with an id at or below this are not sent again.
    public var position: UInt64

    /// - Parameters:
    ///   - resume: `nil` for a subscriber that wants live events only.
    ///   - mayBeAhead: a relay still refilling from its upstream can be behind a subscriber in
    ///     the same epoch; the subscriber then waits for ids past its `since`. An origin never is.
    public init(
        resume: ResumePoint?,
        epoch: Epoch,
        lastID: UInt64,
        buffer: ReplayBuffer<Element>,
        mayBeAhead: Bool = false
    ) {
        guard let resume else {
            self.items = []
            self.position = lastID
            return
        }
        // Another epoch's ids mean nothing here; nor does an id past an origin's last one (a
        // client of an earlier life that lost its epoch). Replay all we have, after saying so.
        let otherEpoch = resume.epoch.map { $0 != epoch } ?? false
        if otherEpoch || (resume.since > lastID && !mayBeAhead) {
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
