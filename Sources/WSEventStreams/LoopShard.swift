import NIOConcurrencyHelpers
import NIOCore

/// Events handled per loop task. A burst is cut into batches so that other work on the
/// loop (accepting, handshakes, reads) is not held up for long; each batch costs one flush
/// per subscriber, so smaller batches cost throughput (512 measured about a third slower
/// than 4096 with wsevent-bench, 100 subscribers).
let maxBatchSize = 4096

/// The subscribers of one stream that live on one event loop.
///
/// Publishing costs one hop per loop, not one per subscriber: events are queued in `inbox`
/// (any thread) and drained on the loop in batches; each batch writes every event to every
/// subscriber and then flushes each subscriber once. `subscribers` is touched on the loop only.
final class LoopShard<Element: StreamElement>: @unchecked Sendable {
    enum Item {
        case event(Element)
        /// The stream now mirrors this new epoch.
        case restart(Epoch)
        case shutdown
    }

    private struct Inbox {
        var items: [Item] = []
        var drainScheduled = false
    }

    let eventLoop: EventLoop
    private let inbox = NIOLockedValueBox(Inbox())
    private let count = NIOLockedValueBox(0)
    // Touched on `eventLoop` only.
    private var subscribers: [ObjectIdentifier: any StreamSubscriber<Element>] = [:]

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
        subscribers[ObjectIdentifier(subscriber)] = subscriber
        count.withLockedValue { $0 = subscribers.count }
    }

    func remove(_ subscriber: any StreamSubscriber<Element>) {
        eventLoop.preconditionInEventLoop()
        subscribers.removeValue(forKey: ObjectIdentifier(subscriber))
        count.withLockedValue { $0 = subscribers.count }
    }

    private func drain() {
        let (items, more) = inbox.withLockedValue { inbox in
            // Usually the whole queue is one batch: take it without copying (publishers wait
            // on this lock). Only a burst longer than a batch is split.
            guard inbox.items.count > maxBatchSize else {
                inbox.drainScheduled = false
                defer { inbox.items.removeAll(keepingCapacity: true) }
                return (inbox.items, false)
            }
            let items = Array(inbox.items.prefix(maxBatchSize))
            inbox.items.removeFirst(maxBatchSize)
            // Still scheduled while items remain: the task below picks them up, in order.
            return (items, true)
        }
        if more {
            eventLoop.execute { self.drain() }
        }
        // A subscriber may remove itself while we iterate: iterate a snapshot.
        let targets = Array(subscribers.values)
        guard !targets.isEmpty else { return }
        for item in items {
            switch item {
            case .event(let event):
                for subscriber in targets { subscriber.deliver(event) }
            case .restart(let epoch):
                for subscriber in targets { subscriber.streamRestarted(epoch: epoch) }
            case .shutdown:
                for subscriber in targets { subscriber.serverShuttingDown() }
            }
        }
        for subscriber in targets { subscriber.flushBatch() }
    }
}
