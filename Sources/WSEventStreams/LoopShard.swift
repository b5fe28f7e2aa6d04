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
final class LoopShard<Element: StreamElement>: @unchecked Sendable {
    typealias Item = StreamDelivery<Element>

    private struct Inbox {
        var items: [Item] = []
        var drainScheduled = false
    }

    let eventLoop: EventLoop
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

    init(eventLoop: EventLoop) {
        self.eventLoop = eventLoop
    }

    /// How many subscribers this loop has (any thread).
    var subscriberCount: Int { count.withLockedValue { $0 } }

    /// Queues an item for every subscriber of this loop, in order; any thread.
    func enqueue(_ item: Item) {
        let mustSchedule = inbox.withLockedValue { inbox in
            inbox.items.append(item)
            defer { inbox.drainScheduled = true }
            return !inbox.drainScheduled
        }
        if mustSchedule {
            eventLoop.execute { self.drain() }
        }
    }

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
        let (items, more) = inbox.withLockedValue { inbox in
            guard inbox.items.count > batchSize else {
                inbox.drainScheduled = false
                defer { inbox.items.removeAll(keepingCapacity: true) }
                return (inbox.items, false)
            }
            let items = Array(inbox.items.prefix(batchSize))
            inbox.items.removeFirst(batchSize)
            // Still scheduled while items remain: the task below picks them up, in order.
            return (items, true)
        }
        if more {
            eventLoop.execute { self.drain() }
        }
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
