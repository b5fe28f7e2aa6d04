import WSEventStreams

/// Where one stream's follower stands: the last id handed to the in-memory stream, the newest
/// id known committed in the store, and our own committed events not handed over yet. Pure
/// logic, no I/O: ``StreamLog`` drives it under its lock and does the reads it asks for.
///
/// Why the stream gets every id once and in order: ``next(maxRead:)`` only ever hands over
/// `applied + 1` (from our own commits) or asks for the range right after `applied` (read
/// from the table), and ``read(_:after:through:epoch:)`` takes a read only if nothing moved
/// meanwhile. Ids up to `known` are committed (commits of a stream are serialized in id
/// order), so the range it asks for exists; a part of it missing from the table was pruned,
/// and is skipped (subscribers are told of it as a gap).
struct FollowerState {
    /// What to do after handing over the events ``next(maxRead:)`` returned.
    enum Action: Equatable {
        /// Nothing more to apply.
        case idle
        /// Wait for the answer of our batch in flight: its ids may be the next ones.
        case wait
        /// Read ids `after+1...through` from the table, then call ``read(_:after:through:epoch:)``.
        case read(after: UInt64, through: UInt64)
    }

    /// Own events kept at most; past that they are read back like any other.
    static let maxOwn = 100_000

    private(set) var epoch: Epoch
    /// The last id handed to the stream.
    private(set) var applied: UInt64
    /// The newest id known committed.
    private(set) var known: UInt64
    private var own: [UInt64: Event] = [:]
    private var batchesSent = 0
    private var batchesAnswered = 0
    /// The batch that was in flight when a notification came: its answer is awaited before
    /// reading, since the notification may name its ids. Only that one, so a steady stream of
    /// our own batches never holds back other instances' events.
    private var awaitedBatch = 0

    init(epoch: Epoch, lastID: UInt64) {
        self.epoch = epoch
        self.applied = lastID
        self.known = lastID
    }

    /// Whether a batch of ours is being committed.
    var batchInFlight: Bool { batchesSent > batchesAnswered }

    /// The store has committed up to `head` in `epoch`. Returns true when that is a new epoch
    /// (an operator reset the stream): ids start over from 0.
    mutating func learn(head: UInt64, epoch: Epoch) -> Bool {
        guard epoch == self.epoch else {
            self.epoch = epoch
            applied = 0
            known = head
            own.removeAll()
            return true
        }
        known = max(known, head)
        return false
    }

    /// As ``learn(head:epoch:)``, for a notification, which may be about our batch in flight.
    mutating func notified(head: UInt64, epoch: Epoch) -> Bool {
        if batchInFlight { awaitedBatch = batchesSent }
        return learn(head: head, epoch: epoch)
    }

    mutating func batchSent() {
        batchesSent += 1
    }

    /// Our batch's answer: its events, committed in `epoch`; `nil` when it failed.
    mutating func batchAnswered(_ events: [Event]?, epoch: Epoch? = nil) {
        batchesAnswered = batchesSent
        guard let events, epoch == self.epoch else { return }
        for event in events where event.id > applied && own.count < Self.maxOwn {
            own[event.id] = event
        }
        if let last = events.last { known = max(known, last.id) }
    }

    /// Our own events that come next, and what to do then.
    mutating func next(maxRead: UInt64 = 1000) -> (apply: [Event], then: Action) {
        var apply: [Event] = []
        while let event = own.removeValue(forKey: applied + 1) {
            apply.append(event)
            applied = event.id
        }
        guard applied < known else {
            own = own.filter { $0.key > applied }
            return (apply, .idle)
        }
        if batchesAnswered < awaitedBatch { return (apply, .wait) }
        let firstOwn = own.keys.min() ?? .max
        return (apply, .read(after: applied, through: min(known, firstOwn - 1, applied + maxRead)))
    }

    /// What a read of ids `after+1...through` in `epoch` hands to the stream: nothing if the
    /// follower moved meanwhile (a reset); otherwise the events in order, and the range is
    /// done even where the table had none (pruned before it was read).
    mutating func read(_ events: [Event], after: UInt64, through: UInt64, epoch: Epoch) -> [Event] {
        guard epoch == self.epoch, after == applied else { return [] }
        var apply: [Event] = []
        for event in events where event.id > applied && event.id <= through {
            apply.append(event)
            applied = event.id
        }
        applied = max(applied, through)
        return apply
    }
}
