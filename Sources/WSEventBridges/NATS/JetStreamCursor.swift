import WSEventStreams

/// Where a JetStream bridge stands on its stream: the epoch and id mode the stream's info gave,
/// the last sequence handed to the served stream, and the subscription (by generation) whose
/// messages count. Pure logic: ``JetStreamLog`` drives it under its lock.
///
/// Why the served stream gets each sequence at most once and in order: the ordered consumer
/// delivers in sequence order on one thread, ``take(_:generation:)`` hands on only a sequence
/// past ``applied`` from the current subscription, and a new subscription (after a new epoch,
/// or one that failed) starts at `applied + 1`. A sequence JetStream no longer holds (deleted,
/// or past its limits) is simply never delivered: subscribers see a `gap` over it.
public struct JetStreamCursor: Sendable, Equatable {
    /// What to do after learning the stream's info.
    public enum Plan: Sendable, Equatable {
        /// Nothing: subscribed in this epoch already.
        case keep
        /// Subscribe from `start` (a sequence); `opens` when the served stream must follow a
        /// new epoch first (the first info, or the stream was made again).
        case subscribe(start: UInt64, opens: Bool)
    }

    public private(set) var epoch: Epoch?
    public private(set) var ids: JetStreamView.IDs?
    /// The last sequence handed on (or, in a new epoch, the head it started from).
    public private(set) var applied: UInt64 = 0
    /// The newest sequence known in the stream.
    public private(set) var head: UInt64 = 0
    /// The current subscription's generation; 0 while there is none.
    public private(set) var generation = 0
    private var generations = 0

    public init() {}

    /// Whether messages are being consumed.
    public var isSubscribed: Bool { generation != 0 }

    /// The stream's info was read: says whether to subscribe, and from where. In a new epoch
    /// the served stream starts at the stream's head (older events are read by sequence when a
    /// subscriber asks), so the subscription starts after it.
    public mutating func learned(_ info: JetStreamView.Info, view: JetStreamView) -> Plan {
        head = max(head, info.lastSequence)
        if epoch != view.epoch {
            epoch = view.epoch
            ids = view.ids
            applied = info.lastSequence
            head = info.lastSequence
            generation = 0
            return .subscribe(start: applied + 1, opens: true)
        }
        return isSubscribed ? .keep : .subscribe(start: applied + 1, opens: false)
    }

    /// A subscription was made: its messages count from now on; returns its generation.
    public mutating func subscribed() -> Int {
        generations += 1
        generation = generations
        return generation
    }

    /// The subscription failed or was closed: the next info subscribes again.
    public mutating func unsubscribed() {
        generation = 0
    }

    /// A message of subscription `generation` at `sequence`: whether to hand it on.
    public mutating func take(_ sequence: UInt64, generation: Int) -> Bool {
        guard generation == self.generation, generation != 0, sequence > applied else { return false }
        applied = sequence
        head = max(head, sequence)
        return true
    }

    /// The stream holds up to `sequence` (a message's pending count, a catch-up's read).
    public mutating func noteHead(_ sequence: UInt64) {
        head = max(head, sequence)
    }
}
