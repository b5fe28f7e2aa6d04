import NIOConcurrencyHelpers
import NIOCore

/// Events handled per loop task at most. A burst is cut into batches so that other work on the
/// loop (accepting, handshakes, reads) is not held up for long; each batch costs one flush
/// per subscriber, so smaller batches cost throughput (512 measured about a third slower
/// than 4096 with wsevent-bench, 100 subscribers).
let maxBatchSize = 4096

/// Frames written per loop task at most (events times subscribers): what bounds a loop's stall
/// when it has many subscribers. 4096 events to 1000 subscribers would be 4 million writes,
/// a second or more in one task on this machine kind; 2^18 writes cost about 0.1 s there and
/// still leave 262 events per flush at 1000 subscribers, 26 at 10 000.
let maxBatchWrites = 1 << 18

/// The subscribers of one stream that live on one event loop.
///
/// Publishing costs one hop per loop, not one per subscriber: events are queued in `inbox`
/// (any thread) and drained on the loop in batches; each subscriber takes a whole batch in one
/// call, writes it and flushes once. A drain starts as soon as the loop gets to it: no timer
/// waits for more events, so at a moderate rate each event is its own batch and goes out at
/// once; under load, what queued meanwhile makes the next batch.
///
/// `subscribers` is touched on the loop only: a contiguous array, walked once per batch, with
/// each one's index kept beside it for removal.
///
/// The inbox is bounded by the bytes of the events it holds (their ``StreamElement/retainedBytes``):
/// an enqueue that takes it past `maxBytes` marks the shard *full* and says so to its caller
/// (the stream, which then refuses publishes and holds its readers back); the drain that brings
/// it back to half of that calls `hasRoomAgain`. Both transitions are found under the inbox lock
/// that enqueue and drain take anyway, so the bound costs no lock of its own. It is a soft
/// bound: what is enqueued is never dropped (a mirror's events, a shutdown), the stream only
/// stops taking more from outside.
final class LoopShard<Element: StreamElement>: @unchecked Sendable {
    typealias Item = StreamDelivery<Element>

    private struct Inbox {
        var items: [Item] = []
        var drainScheduled = false
        /// The retained bytes of the events in `items`.
        var bytes = 0
        /// Set when an enqueue took `bytes` past the bound, cleared when a drain brought it
        /// back to half of it.
        var full = false
    }

    let eventLoop: EventLoop
    /// The inbox's bound, in retained bytes of its events.
    let maxBytes: Int
    /// Called (on the loop, outside the inbox lock) when a full inbox has room again.
    private let hasRoomAgain: @Sendable () -> Void
    private let inbox = NIOLockedValueBox(Inbox())
    private let count = NIOLockedValueBox(0)
    // Touched on `eventLoop` only.
    private var subscribers: [any StreamSubscriber<Element>] = []
    /// Each subscriber's index in `subscribers`.
    private var slots: [ObjectIdentifier: Int] = [:]
    /// While a batch is handed out, leaving subscribers stay in place (indices must not move
    /// under the walk) and are removed right after it.
    private var draining = false
    private var leftWhileDraining: [ObjectIdentifier] = []

    /// - Parameters:
    ///   - maxBytes: the inbox's bound (see the type's comment).
    ///   - hasRoomAgain: told, on the loop, when a full inbox has drained to half its bound.
    init(eventLoop: EventLoop, maxBytes: Int = .max, hasRoomAgain: @escaping @Sendable () -> Void = {}) {
        self.eventLoop = eventLoop
        self.maxBytes = maxBytes
        self.hasRoomAgain = hasRoomAgain
    }

    /// How many subscribers this loop has (any thread).
    var subscriberCount: Int { count.withLockedValue { $0 } }

    /// Queues an item for every subscriber of this loop, in order; any thread. `bytes` is the
    /// item's share of the bound: an event's ``StreamElement/retainedBytes`` (the stream has
    /// it at hand), 0 for the rest. Returns whether this item made the inbox full (it was not
    /// before): the caller counts it, and is told through `hasRoomAgain` when that ends, once.
    @discardableResult
    func enqueue(_ item: Item, bytes: Int = 0) -> Bool {
        let (mustSchedule, becameFull) = inbox.withLockedValue { inbox in
            inbox.items.append(item)
            inbox.bytes += bytes
            let becameFull = !inbox.full && inbox.bytes > maxBytes
            if becameFull { inbox.full = true }
            defer { inbox.drainScheduled = true }
            return (!inbox.drainScheduled, becameFull)
        }
        if mustSchedule {
            eventLoop.execute { self.drain() }
        }
        return becameFull
    }

    /// The retained bytes of the events queued and not yet handed out (any thread).
    var queuedBytes: Int { inbox.withLockedValue { $0.bytes } }

    func add(_ subscriber: any StreamSubscriber<Element>) {
        eventLoop.preconditionInEventLoop()
        let id = ObjectIdentifier(subscriber)
        guard slots[id] == nil else { return }
        slots[id] = subscribers.count
        subscribers.append(subscriber)
        count.withLockedValue { $0 += 1 }
    }

    func remove(_ subscriber: any StreamSubscriber<Element>) {
        eventLoop.preconditionInEventLoop()
        let id = ObjectIdentifier(subscriber)
        guard slots[id] != nil else { return }
        if draining {
            leftWhileDraining.append(id)
        } else {
            removeNow(id)
        }
        count.withLockedValue { $0 -= 1 }
    }

    /// Moves the last subscriber into the leaving one's place.
    private func removeNow(_ id: ObjectIdentifier) {
        guard let slot = slots.removeValue(forKey: id) else { return }
        let last = subscribers.count - 1
        if slot != last {
            subscribers[slot] = subscribers[last]
            slots[ObjectIdentifier(subscribers[slot])] = slot
        }
        subscribers.removeLast()
    }

    private func drain() {
        // Usually the whole queue is one batch: take it without copying (publishers wait on
        // this lock). Only a burst longer than a batch is split.
        let batchSize = max(1, min(maxBatchSize, maxBatchWrites / max(1, subscribers.count)))
        let (items, more, roomAgain) = inbox.withLockedValue { inbox in
            let whole = inbox.items.count <= batchSize
            let items: [Item]
            if whole {
                inbox.drainScheduled = false
                items = inbox.items
                inbox.items.removeAll(keepingCapacity: true)
                inbox.bytes = 0
            } else {
                items = Array(inbox.items.prefix(batchSize))
                inbox.items.removeFirst(batchSize)
                for case .event(let element) in items { inbox.bytes -= element.retainedBytes }
                // Still scheduled while items remain: the task below picks them up, in order.
            }
            // Half the bound, so that a stream hovering at it does not wake its readers for
            // every batch.
            let roomAgain = inbox.full && inbox.bytes <= maxBytes / 2
            if roomAgain { inbox.full = false }
            return (items, !whole, roomAgain)
        }
        if more {
            eventLoop.execute { self.drain() }
        }
        if roomAgain { hasRoomAgain() }
        // A local copy: subscribers joining during the walk (they are appended) do not take
        // this batch, which their replay covers.
        let targets = subscribers
        guard !targets.isEmpty else { return }
        let batch = items[...]
        draining = true
        for subscriber in targets { subscriber.deliver(batch) }
        draining = false
        if !leftWhileDraining.isEmpty {
            for id in leftWhileDraining { removeNow(id) }
            leftWhileDraining.removeAll()
        }
    }
}
