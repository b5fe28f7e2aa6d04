import NIOConcurrencyHelpers
import NIOCore

/// What an in-process subscriber of an ``EventStream`` receives, in order.
public enum StreamUpdate<Element: StreamElement>: Sendable {
    /// First: the stream's epoch and the last id it had when the subscription began.
    case hello(epoch: Epoch, lastID: UInt64)
    /// Ids `first...last` cannot be delivered (older than the replay buffer; `first == 0`: the
    /// resume point was of another epoch).
    case gap(first: UInt64, last: UInt64)
    /// An event, as the stream keeps it.
    case event(Element)
}

/// Why an in-process subscription ended early.
public enum StreamUpdatesError: Error, Sendable, Equatable {
    /// The stream is a relay that has not reached its upstream yet; try again shortly.
    case notReady
    /// The consumer fell more than its buffer behind; subscribe again with
    /// `ResumePoint(since: lastID, epoch: epoch)` to continue without loss (within the replay).
    case tooSlow(epoch: Epoch, lastID: UInt64)
    /// A relay's upstream began a new epoch: ids restart. Subscribe again to follow it.
    case restarted(epoch: Epoch)
    /// The stream was closed (the server is shutting down).
    case closed
}

extension EventStream {
    /// Subscribes in process, without a socket: the same replay and exactly-once delivery as
    /// a WebSocket or SSE subscriber, as an async sequence of ``StreamUpdate``s.
    ///
    /// ```swift
    /// for try await update in stream.updates(on: group.next()) {
    ///     if case .event(let event) = update { print(event.id) }
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - resume: where to continue; `nil` for live events only.
    ///   - eventLoop: the loop the subscription lives on (its events arrive there first).
    ///   - maxBuffered: how many updates may wait for the consumer. Past that the sequence
    ///     ends with ``StreamUpdatesError/tooSlow(epoch:lastID:)`` instead of growing memory
    ///     or slowing the stream, as a slow socket subscriber is closed.
    /// - Returns: a sequence that ends with an error when the subscription cannot go on, and
    ///   unsubscribes when the consumer stops iterating.
    public func updates(
        resume: ResumePoint? = nil,
        on eventLoop: EventLoop,
        maxBuffered: Int = 4096
    ) -> AsyncThrowingStream<StreamUpdate<Element>, any Error> {
        let (updates, continuation) = AsyncThrowingStream.makeStream(
            of: StreamUpdate<Element>.self,
            bufferingPolicy: .bufferingOldest(max(maxBuffered, 1))
        )
        let subscriber = InProcessSubscriber(stream: self, eventLoop: eventLoop, continuation: continuation)
        continuation.onTermination = { _ in
            eventLoop.execute { subscriber.leave() }
        }
        eventLoop.execute { subscriber.join(resume: resume) }
        return updates
    }
}

/// The stream's subscriber behind ``EventStream/updates(resume:on:maxBuffered:)``: it lives on
/// its event loop like a socket subscriber (every call below happens there) and hands what it
/// gets to an async stream.
final class InProcessSubscriber<Element: StreamElement>: StreamSubscriber, @unchecked Sendable {
    private let stream: EventStream<Element>
    private let eventLoop: EventLoop
    private let continuation: AsyncThrowingStream<StreamUpdate<Element>, any Error>.Continuation
    // Touched on `eventLoop` only.
    private var subscribed = false
    private var finished = false
    private var epoch: Epoch?
    /// The last id delivered or replayed; live events at or below it are skipped, as the
    /// join's argument in ``EventStream`` requires.
    private var position: UInt64 = 0
    /// The last id the consumer will see: where a consumer that fell behind resumes.
    private var handedOver: UInt64 = 0

    init(
        stream: EventStream<Element>,
        eventLoop: EventLoop,
        continuation: AsyncThrowingStream<StreamUpdate<Element>, any Error>.Continuation
    ) {
        self.stream = stream
        self.eventLoop = eventLoop
        self.continuation = continuation
    }

    func join(resume: ResumePoint?) {
        guard !finished else { return }
        guard let subscription = stream.subscribe(self, on: eventLoop, resume: resume) else {
            return end(.notReady)
        }
        subscribed = true
        epoch = subscription.epoch
        position = subscription.plan.position
        // Before the first replayed item, the consumer has everything up to just before it.
        switch subscription.plan.items.first {
        case nil: handedOver = position
        case .event(let id, _): handedOver = id - 1
        case .gap(let first, _): handedOver = first == 0 ? 0 : first - 1
        }
        send(.hello(epoch: subscription.epoch, lastID: subscription.lastID))
        for item in subscription.plan.items {
            switch item {
            case .gap(let first, let last): send(.gap(first: first, last: last))
            case .event(_, let element): send(.event(element))
            }
        }
    }

    func leave() {
        finished = true
        guard subscribed else { return }
        subscribed = false
        stream.unsubscribe(self, on: eventLoop)
    }

    // MARK: StreamSubscriber

    func deliver(_ event: Element) {
        guard subscribed, event.id > position else { return }
        if event.id > position + 1 { send(.gap(first: position + 1, last: event.id - 1)) }
        position = event.id
        send(.event(event))
    }

    func flushBatch() {}

    func streamRestarted(epoch newEpoch: Epoch) {
        guard subscribed, newEpoch != epoch else { return }
        end(.restarted(epoch: newEpoch))
    }

    func serverShuttingDown() {
        guard subscribed else { return }
        end(.closed)
    }

    private func send(_ update: StreamUpdate<Element>) {
        guard !finished else { return }
        switch continuation.yield(update) {
        case .enqueued:
            if case .event(let event) = update { handedOver = event.id }
        case .dropped:
            // A buffer behind: end after the last event that fitted, so resuming there loses
            // nothing and repeats nothing.
            end(.tooSlow(epoch: epoch ?? stream.status.epoch, lastID: handedOver))
        case .terminated:
            leave()
        @unknown default:
            leave()
        }
    }

    private func end(_ error: StreamUpdatesError) {
        guard !finished else { return }
        leave()
        continuation.finish(throwing: error)
    }
}
