/// What a loop's queue may owe its subscribers at most: its events' retained bytes times the
/// loop's subscribers. So about 130 KiB with 1000 subscribers on the loop, 26 KiB with 5000, and
/// what the queue may hold at all with few.
///
/// A drain hands the whole queue to every subscriber of the loop at once, and what their sockets
/// do not take at once waits in their channels, each write with its bookkeeping. With a relay
/// below a hub at its max rate of 4 KiB events and 5000 subscribers (2500 a loop) each reading
/// through a 64 KiB window (scripts/perf/relay-pressure), a relay that took in events only while
/// its queues owed at most 128 MiB (53 KiB a loop) stayed at 59 MB with no subscriber closed as
/// slow; at 256 MiB (107 KiB) it reached 200-220 MB and closed up to 118 of them; bounded only by
/// the 16 MiB a queue may hold, 315-350 MB and 2900-4100 of them, as with no bound at all
/// (docs/OPERATIONS.md, "Room").
let maxOwedBytes = 128 << 20

/// How full one loop's queue is, against its two bounds. Pure logic; a ``LoopShard`` keeps one
/// under its inbox lock.
///
/// - *Full*: the queue owes the loop's subscribers more than ``maxOwedBytes`` (its bytes times
///   the subscribers), or holds more than `maxBytes`. Readers from outside (an upstream
///   consumer, the producer, a store's follower) wait while any loop is full: they wait cheaply
///   and for as long as a drain takes.
/// - *Overloaded*: the queue holds more than `maxBytes`, the stream's
///   ``EventStream/maxQueuedBytes``. Publishes are refused while any loop is: a publisher is told
///   to come back in a second (`Retry-After: 1`), which only a real backlog is worth.
///
/// Each state is entered when the queue passes its bound and left when a drain brings the queue
/// to half of it, so a queue that hovers at a bound does not flip with every batch.
struct QueueLoad: Sendable, Equatable {
    /// What a change did to the two states: `1` entered, `-1` left, `0` neither.
    struct Change: Sendable, Equatable {
        var full = 0
        var overloaded = 0

        static let none = Change()
    }

    /// What the queue may hold, in retained bytes.
    let maxBytes: Int
    /// The retained bytes of the events queued.
    private(set) var bytes = 0
    private(set) var full = false
    private(set) var overloaded = false

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// The full bound with `subscribers` on the loop.
    func fullBound(subscribers: Int) -> Int {
        min(maxBytes, maxOwedBytes / max(1, subscribers))
    }

    /// `added` bytes were queued.
    mutating func add(_ added: Int, subscribers: Int) -> Change {
        bytes += added
        var change = Change.none
        if !full, bytes > fullBound(subscribers: subscribers) {
            full = true
            change.full = 1
        }
        if !overloaded, bytes > maxBytes {
            overloaded = true
            change.overloaded = 1
        }
        return change
    }

    /// `removed` bytes were handed to the subscribers.
    mutating func remove(_ removed: Int, subscribers: Int) -> Change {
        bytes -= removed
        var change = Change.none
        if full, bytes <= fullBound(subscribers: subscribers) / 2 {
            full = false
            change.full = -1
        }
        if overloaded, bytes <= maxBytes / 2 {
            overloaded = false
            change.overloaded = -1
        }
        return change
    }
}
