import NIOConcurrencyHelpers
import NIOCore
import Synchronization

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
/// The inbox is bounded by the bytes of the events it holds (their ``StreamElement/retainedBytes``),
/// two ways (``QueueLoad``: full for readers, overloaded for publishers). An enqueue reports to
/// its caller (the stream) the states it entered, a drain reports through `changed` the states
/// it left. Both are found under the inbox lock that enqueue and drain take anyway, so the
/// bounds cost no lock of their own. They are soft: what is enqueued is never dropped (a
/// mirror's events, a shutdown), the stream only stops taking more from outside.
final class LoopShard<Element: StreamElement>: @unchecked Sendable {
    typealias Item = StreamDelivery<Element>

    private struct Inbox {
        var items: [Item] = []
        var drainScheduled = false
        /// The bytes of the events in `items`, against the bounds.
        var load: QueueLoad
    }

    let eventLoop: EventLoop
    /// Told (on the loop, outside the inbox lock) of the states a drain left.
    private let changed: @Sendable (QueueLoad.Change) -> Void
    private let inbox: NIOLockedValueBox<Inbox>
    /// How many subscribers `subscribers` holds: read by publishers on any thread.
    private let count = Atomic<Int>(0)
    // Touched on `eventLoop` only.
    private var subscribers: [any StreamSubscriber<Element>] = []
    /// Each subscriber's index in `subscribers`.
    private var slots: [ObjectIdentifier: Int] = [:]
    /// While a batch is handed out, leaving subscribers stay in place (indices must not move
    /// under the walk) and are removed right after it.
    private var draining = false
    private var leftWhileDraining: [ObjectIdentifier] = []

    /// - Parameters:
    ///   - maxBytes: what the inbox may hold (``QueueLoad``).
    ///   - changed: told, on the loop, of the states a drain left.
    init(eventLoop: EventLoop, maxBytes: Int = .max, changed: @escaping @Sendable (QueueLoad.Change) -> Void = { _ in }) {
        self.eventLoop = eventLoop
        self.inbox = NIOLockedValueBox(Inbox(load: QueueLoad(maxBytes: maxBytes)))
        self.changed = changed
    }

    /// How many subscribers this loop has (any thread).
    var subscriberCount: Int { count.load(ordering: .relaxed) }

    /// Queues an item for every subscriber of this loop, in order; any thread. `bytes` is the
    /// item's share of the bounds: an event's ``StreamElement/retainedBytes`` (the stream has
    /// it at hand), 0 for the rest. Returns the states this item made the inbox enter: the
    /// caller counts them, and is told through `changed` when each ends, once.
    @discardableResult
    func enqueue(_ item: Item, bytes: Int = 0) -> QueueLoad.Change {
        let subscribers = subscriberCount
        let (mustSchedule, change) = inbox.withLockedValue { inbox in
            inbox.items.append(item)
            let change = bytes == 0 ? .none : inbox.load.add(bytes, subscribers: subscribers)
            defer { inbox.drainScheduled = true }
            return (!inbox.drainScheduled, change)
        }
        if mustSchedule {
            eventLoop.execute { self.drain() }
        }
        return change
    }

    /// Adds a subscriber; whether it was not there yet.
    @discardableResult
    func add(_ subscriber: any StreamSubscriber<Element>) -> Bool {
        eventLoop.preconditionInEventLoop()
        let id = ObjectIdentifier(subscriber)
        guard slots[id] == nil else { return false }
        slots[id] = subscribers.count
        subscribers.append(subscriber)
        count.add(1, ordering: .relaxed)
        return true
    }

    /// Removes a subscriber; whether it was there.
    @discardableResult
    func remove(_ subscriber: any StreamSubscriber<Element>) -> Bool {
        eventLoop.preconditionInEventLoop()
        let id = ObjectIdentifier(subscriber)
        guard slots[id] != nil else { return false }
        if draining {
            leftWhileDraining.append(id)
        } else {
            removeNow(id)
        }
        count.subtract(1, ordering: .relaxed)
        return true
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
        let count = subscribers.count
        let (items, more, change) = inbox.withLockedValue { inbox in
            let whole = inbox.items.count <= batchSize
            let items: [Item]
            let taken: Int
            if whole {
                inbox.drainScheduled = false
                items = inbox.items
                inbox.items.removeAll(keepingCapacity: true)
                taken = inbox.load.bytes
            } else {
                items = Array(inbox.items.prefix(batchSize))
                inbox.items.removeFirst(batchSize)
                var bytes = 0
                for case .event(let element) in items { bytes += element.retainedBytes }
                taken = bytes
                // Still scheduled while items remain: the task below picks them up, in order.
            }
            return (items, !whole, inbox.load.remove(taken, subscribers: count))
        }
        if more {
            eventLoop.execute { self.drain() }
        }
        if change != .none { changed(change) }
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
