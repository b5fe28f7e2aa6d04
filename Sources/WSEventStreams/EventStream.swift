import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// One stream of events, named by its URL path: ids, epoch, replay buffer and fan-out.
///
/// An *origin* stream assigns ids itself. A *relay* stream mirrors a `wsevent.v1` upstream
/// (same ids, same epoch); until its upstream has answered once it does not know its epoch and
/// refuses subscribers. A relay whose upstream speaks plain WebSocket becomes an origin.
///
/// What it keeps and fans out for each event is an `Element`, made once per event (the
/// transports layer's `EncodedEvent`: the wire encodings). The stream knows no wire format.
///
/// All state sits behind one lock; publishing appends the event's element to the replay buffer
/// and queues it to each event loop's ``LoopShard`` inside that lock, so every loop sees the
/// same order and a joining subscriber's replay meets the live events exactly (see
/// ``subscribe(_:on:resume:)``). A publish makes its element before taking that lock.
///
/// Room: each loop's queue of events not yet written is bounded two ways (``QueueLoad``). While a
/// queue owes its loop's subscribers more than `maxOwedBytes` (its bytes times the subscribers)
/// the stream has no room (``hasRoom``): readers from outside (an upstream consumer, the
/// producer, the store's follower) wait in ``waitForRoom()`` before taking their next event, so
/// the back-pressure reaches whoever sends. While a queue holds more than ``maxQueuedBytes``,
/// publishes are refused too (``StreamPublishError/full``). Events already taken are never
/// dropped for either.
public final class EventStream<Element: StreamElement>: Sendable {
    public typealias Source = StreamSource
    public typealias Status = StreamStatus
    public typealias PublishError = StreamPublishError

    private struct State {
        var epoch: Epoch
        var lastID: UInt64 = 0
        /// A mirror's knowledge of its upstream: the highest id the upstream announced in this
        /// epoch (its `hello`) or sent since. Bounds how far ahead a subscriber may wait.
        var upstreamLastID: UInt64 = 0
        var source: Source
        var buffer: ReplayBuffer<Element>
        var shards: [LoopShard<Element>] = []
        /// The last event, joining or leaving subscriber (or the creation): what idleness is
        /// measured from.
        var lastActivity: NIODeadline = .now()
        /// Removed as idle: takes no events and no subscribers any more.
        var removed = false
        /// Closed for shutdown: subscribers were told, so no event may follow.
        var closed = false
        /// The durable log behind a `.store` stream.
        var log: (any DurableLog)?
        /// Tasks in ``waitForRoom()``, by ticket; `nil` until the task has suspended.
        var roomWaiters: [UInt64: CheckedContinuation<Void, Never>?] = [:]
        var nextTicket: UInt64 = 0
        /// The subscribers by ``StreamSubscriber/presenceKind``; kinds with none left out.
        var presence: [String: Int] = [:]
        /// Told of each join and leave, under this lock (``observePresence(_:)``).
        var presenceObserver: (@Sendable (PresenceChange) -> Void)?
    }

    /// The URL path, with its leading `/`.
    public let path: String
    private let allocator = ByteBufferAllocator()
    private let state: NIOLockedValueBox<State>
    /// Held by one publisher at a time, around the state lock; see ``publish(kind:payload:)``.
    private let publishing = NIOLock()
    /// How many loops' queues are full, and how many overloaded (``QueueLoad``). Changed under
    /// the state lock only (an enqueue that fills a queue runs under it; a drain that empties
    /// one takes it), read without it: ``hasRoom`` is one atomic load.
    private let fullQueues = Atomic<Int>(0)
    private let overloadedQueues = Atomic<Int>(0)
    /// What each event loop's queue of events not yet written to its subscribers may hold, in
    /// retained bytes (``StreamElement/retainedBytes``); past it publishes are refused. Readers
    /// from outside wait earlier on a loop with many subscribers (see the type's comment).
    public let maxQueuedBytes: Int

    /// - Parameters:
    ///   - path: the stream's URL path (`/events`).
    ///   - bufferSize: how many recent events are kept for resuming subscribers.
    ///   - bufferBytes: how many bytes of them at most (elements' ``StreamElement/retainedBytes``);
    ///     the count and the bytes, whichever is reached first, drop the oldest.
    ///   - source: `.origin`, or `.awaitingUpstream` for a relay.
    ///   - maxQueuedBytes: what each event loop's queue may hold (see the type's comment);
    ///     `nil`: ``defaultMaxQueuedBytes(bufferBytes:)``.
    public init(
        path: String,
        bufferSize: Int = 1024,
        bufferBytes: Int = 64 << 20,
        source: Source = .origin,
        maxQueuedBytes: Int? = nil
    ) {
        self.path = path.hasPrefix("/") ? path : "/" + path
        self.maxQueuedBytes = maxQueuedBytes ?? Self.defaultMaxQueuedBytes(bufferBytes: bufferBytes)
        self.state = NIOLockedValueBox(
            State(epoch: .random(), source: source, buffer: ReplayBuffer(capacity: bufferSize, maxBytes: bufferBytes))
        )
    }

    public var status: Status {
        state.withLockedValue { state in
            Status(
                path: path,
                epoch: state.epoch,
                lastID: state.lastID,
                source: state.source,
                subscribers: state.shards.reduce(0) { $0 + $1.subscriberCount },
                bufferedEvents: state.buffer.count,
                bufferedBytes: state.buffer.bytes,
                presence: state.presence
            )
        }
    }

    /// Where the stream's ids come from now.
    public var source: Source { state.withLockedValue { $0.source } }

    /// Whether subscribers can join: false only for a relay that has not reached its upstream
    /// (or a durable stream that has not reached its store).
    public var isReady: Bool { state.withLockedValue { $0.source != .awaitingUpstream } }

    /// The durable log the stream's ids come from, once ``followStore(_:epoch:lastID:)`` made it
    /// a `.store` stream; publishes go there.
    public var durableLog: (any DurableLog)? { state.withLockedValue { $0.source == .store ? $0.log : nil } }

    // MARK: Publishing

    /// Adds an event at an origin and returns its id and the epoch.
    @discardableResult
    public func publish(kind: EventKind, payload: ByteBuffer) throws -> (id: UInt64, epoch: Epoch) {
        try publish(kind: kind) { _ in payload }
    }

    /// Adds an event whose payload depends on its id (as the producer's does).
    ///
    /// `makePayload` runs outside the stream's state lock, so it may read ``status``; it must
    /// not publish to this same stream (publishers take turns, and it would wait for itself).
    @discardableResult
    public func publish(kind: EventKind, payload makePayload: (UInt64) -> ByteBuffer) throws -> (id: UInt64, epoch: Epoch) {
        // Publishers take turns, so the id read here is still the next one when the event is
        // appended: only a publish moves an origin's last id. The payload and its encodings
        // are made in between, outside the state lock that subscribers and readers share.
        try publishing.withLock {
            let (id, epoch) = try state.withLockedValue { state in
                guard !state.closed else { throw PublishError.closed }
                guard !state.removed else { throw PublishError.removed }
                guard state.source != .store else { throw PublishError.durable }
                guard state.source == .origin else { throw PublishError.notOrigin }
                guard state.lastID < Event.maxID else { throw PublishError.idsExhausted }
                guard overloadedQueues.load(ordering: .relaxed) == 0 else { throw PublishError.full }
                return (state.lastID + 1, state.epoch)
            }
            let encoded = Element(Event(id: id, kind: kind, payload: makePayload(id)), epoch: epoch, allocator: allocator)
            return try state.withLockedValue { state in
                // A relay that fell back to origin can turn mirror again meanwhile (a v1 upstream
                // is back): then this id is not ours to give. (`lastID + 1` cannot overflow: every
                // id a stream holds is at most `Event.maxID`.)
                guard !state.closed else { throw PublishError.closed }
                guard !state.removed else { throw PublishError.removed }
                guard state.source == .origin, state.epoch == epoch, state.lastID + 1 == id else {
                    throw PublishError.notOrigin
                }
                append(encoded, to: &state)
                return (id, epoch)
            }
        }
    }

    /// Adds an event received from a `wsevent.v1` upstream, keeping its id. Ids at or below the
    /// last one are duplicates (a resume overlapping what we had) and are dropped; so is an id
    /// past ``Event/maxID``, which no upstream may send (the upstream consumer refuses it
    /// before it gets here). It is taken whether or not the stream has room: a reader waits in
    /// ``waitForRoom()`` before it takes the next.
    package func mirror(_ event: Event) {
        state.withLockedValue { state in
            guard state.source == .mirror || state.source == .store, !state.closed, event.id > state.lastID, event.id <= Event.maxID else {
                return
            }
            state.upstreamLastID = max(state.upstreamLastID, event.id)
            append(event, to: &state)
        }
    }

    /// The upstream said `hello <epoch> <last-id>`: mirror it. A different epoch than the one
    /// mirrored so far means the origin restarted: the buffer is dropped and subscribers are
    /// told. `lastID` is remembered as the upstream's known position in the epoch.
    package func adoptUpstreamEpoch(_ epoch: Epoch, lastID: UInt64) {
        state.withLockedValue { state in
            if state.source == .mirror, state.epoch == epoch {
                // A reconnect in the same epoch; the upstream (itself a relay, perhaps
                // refilling) may announce less than we knew, but ids known once stay known.
                state.upstreamLastID = max(state.upstreamLastID, lastID)
                return
            }
            let hadSubscribers = state.source != .awaitingUpstream
            state.source = .mirror
            state.epoch = epoch
            state.lastID = 0
            state.upstreamLastID = lastID
            state.buffer.removeAll()
            if hadSubscribers {
                enqueue(.restart(epoch), to: state.shards)
            }
        }
    }

    /// The stream's ids and epoch are `log`'s from now on: its events come through
    /// ``mirror(_:)`` in id order, its publishes go to `log`. Called when the store opens the
    /// stream (`lastID`: the log's newest id; older ones are the log's to replay), and again
    /// when the log's epoch changes (an operator reset the stream): subscribers are then told,
    /// as a relay's are when its origin restarts.
    package func followStore(_ log: any DurableLog, epoch: Epoch, lastID: UInt64) {
        state.withLockedValue { state in
            state.log = log
            if state.source == .store, state.epoch == epoch {
                state.upstreamLastID = max(state.upstreamLastID, lastID)
                return
            }
            let hadSubscribers = state.source != .awaitingUpstream
            state.source = .store
            state.epoch = epoch
            state.lastID = lastID
            state.upstreamLastID = lastID
            state.buffer.removeAll()
            if hadSubscribers {
                enqueue(.restart(epoch), to: state.shards)
            }
        }
    }

    /// The durable log has committed events up to `lastID` in `epoch` (not all delivered here
    /// yet): a subscriber resuming from an id up to it waits for it rather than being told of
    /// another epoch.
    package func noteStoreHead(_ lastID: UInt64, epoch: Epoch) {
        state.withLockedValue { state in
            guard state.source == .store, state.epoch == epoch else { return }
            state.upstreamLastID = max(state.upstreamLastID, lastID)
        }
    }

    /// The upstream speaks plain WebSocket: this stream assigns ids itself from now on. A
    /// stream that mirrored a v1 upstream before keeps its epoch and continues its ids.
    package func becomeOrigin() {
        state.withLockedValue { state in
            state.source = .origin
        }
    }

    /// The last id mirrored and its epoch, for resuming an upstream (`nil` before any hello).
    package var mirrorPosition: ResumePoint? {
        state.withLockedValue { state in
            state.source == .mirror ? ResumePoint(since: state.lastID, epoch: state.epoch) : nil
        }
    }

    private func append(_ event: Event, to state: inout State) {
        append(Element(event, epoch: state.epoch, allocator: allocator), to: &state)
    }

    private func append(_ encoded: Element, to state: inout State) {
        state.lastID = encoded.id
        state.lastActivity = .now()
        let bytes = encoded.retainedBytes
        state.buffer.append(id: encoded.id, encoded, bytes: bytes)
        enqueue(.event(encoded), bytes: bytes, to: state.shards)
    }

    /// Queues `item` on every loop's shard, counting the queues it fills; under the state lock.
    private func enqueue(_ item: StreamDelivery<Element>, bytes: Int = 0, to shards: [LoopShard<Element>]) {
        for shard in shards {
            let change = shard.enqueue(item, bytes: bytes)
            if change.full != 0 { fullQueues.add(change.full, ordering: .relaxed) }
            if change.overloaded != 0 { overloadedQueues.add(change.overloaded, ordering: .relaxed) }
        }
    }

    /// Tells every subscriber the server is going away (WebSocket: 1001; SSE: end of stream),
    /// and takes no event after that.
    ///
    /// Why a publish the server acknowledged reaches every subscriber before its goodbye: a
    /// publish appends and enqueues its event under the same lock as this enqueues the goodbye,
    /// so it comes first in every loop's queue, or it finds the stream closed and is refused
    /// (``StreamPublishError/closed``).
    public func closeAllSubscribers() {
        let waiters = state.withLockedValue { state in
            state.closed = true
            enqueue(.shutdown, to: state.shards)
            return Self.takeRoomWaiters(&state)
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Room

    /// What a loop's queue may hold by default: a quarter of the replay buffer's byte bound, at
    /// least 1 MiB. The events in the queues are the newest ones, shared by every loop's queue
    /// and mostly by the replay buffer too, so at most that much more is held for them. Publishes
    /// at the max rate to 100 or 1000 subscribers never reached it (docs/OPERATIONS.md, "Room").
    public static func defaultMaxQueuedBytes(bufferBytes: Int) -> Int {
        max(bufferBytes / 4, 1 << 20)
    }

    /// Whether a reader from outside may take its next event: false while an event loop's queue
    /// owes its subscribers more than it may, or holds more than ``maxQueuedBytes``
    /// (``QueueLoad``). One atomic load.
    public var hasRoom: Bool { fullQueues.load(ordering: .relaxed) == 0 }

    /// Whether publishes are taken: false while an event loop's queue holds more than
    /// ``maxQueuedBytes`` (then ``publish(kind:payload:)`` throws ``StreamPublishError/full``).
    package var takesPublishes: Bool { overloadedQueues.load(ordering: .relaxed) == 0 }

    /// Returns once the stream has room (at once when it has, or is closed or removed: then a
    /// publish says why), or the task is cancelled. A reader from outside calls it before it
    /// takes the next event, so that it stops reading while the stream's loops catch up.
    public func waitForRoom() async {
        if hasRoom { return }
        let ticket = state.withLockedValue { state -> UInt64? in
            guard fullQueues.load(ordering: .relaxed) > 0, !state.closed, !state.removed else { return nil }
            state.nextTicket += 1
            state.roomWaiters[state.nextTicket] = .some(nil)
            return state.nextTicket
        }
        guard let ticket else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let waits = state.withLockedValue { state -> Bool in
                    // Gone: released (room, close) or cancelled before we got here.
                    guard state.roomWaiters[ticket] != nil else { return false }
                    state.roomWaiters[ticket] = continuation
                    return true
                }
                if !waits { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { $0.roomWaiters.removeValue(forKey: ticket) }
            if case .some(.some(let continuation)) = waiter { continuation.resume() }
        }
    }

    /// How many tasks wait in ``waitForRoom()``.
    package var waitingForRoom: Int { state.withLockedValue { $0.roomWaiters.count } }

    /// A loop's queue left states (``QueueLoad``): it drained to half a bound.
    private func queueLeft(_ change: QueueLoad.Change) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            // The enqueue that entered a state counted it under this lock, before this drain
            // could see it: the counts never go below zero.
            if change.overloaded != 0 { overloadedQueues.add(change.overloaded, ordering: .relaxed) }
            guard change.full != 0, fullQueues.add(change.full, ordering: .relaxed).newValue == 0 else { return [] }
            return Self.takeRoomWaiters(&state)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Removes every waiter; returns those that have suspended, to resume outside the lock
    /// (the others find their ticket gone and do not suspend).
    private static func takeRoomWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        guard !state.roomWaiters.isEmpty else { return [] }
        let waiters = state.roomWaiters.values.compactMap { $0 }
        state.roomWaiters.removeAll()
        return waiters
    }

    // MARK: Subscribing

    /// What a joining subscriber is told and replayed.
    package struct Subscription {
        package var epoch: Epoch
        package var lastID: UInt64
        package var plan: ResumePlan<Element>
    }

    /// Where a subscriber that gave no resume point starts under `policy` (`-first-message`),
    /// from the stream's state now; `nil` for live events only, and while the stream is not
    /// ready. A durable stream reads what memory does not hold from its store, so it counts
    /// back from its last id whatever its buffer holds.
    public func start(for policy: FirstMessage) -> ResumePoint? {
        guard policy != .live else { return nil }
        return state.withLockedValue { state in
            guard state.source != .awaitingUpstream else { return nil }
            let oldestHeld = state.source == .store ? 1 : (state.buffer.firstID ?? state.lastID + 1)
            return policy.start(lastID: state.lastID, epoch: state.epoch, oldestHeld: oldestHeld, capacity: state.buffer.capacity)
        }
    }

    /// Registers `subscriber` for live events and returns its replay; `nil` while the stream
    /// is not ready, or once it was removed as idle. Must be called on `eventLoop`, the
    /// subscriber's loop: events published after the snapshot reach the shard's queue after
    /// this call returns, so together with the plan's position the subscriber gets every event
    /// once.
    package func subscribe(_ subscriber: any StreamSubscriber<Element>, on eventLoop: EventLoop, resume: ResumePoint?) -> Subscription? {
        eventLoop.preconditionInEventLoop()
        return state.withLockedValue { state in
            guard state.source != .awaitingUpstream, !state.removed, !state.closed else { return nil }
            state.lastActivity = .now()
            let shard = shard(for: eventLoop, in: &state)
            if shard.add(subscriber) { notePresence(subscriber.presenceKind, .join, in: &state) }
            let plan = ResumePlan(
                resume: resume,
                epoch: state.epoch,
                lastID: state.lastID,
                buffer: state.buffer,
                upstreamLastID: state.source == .mirror || state.source == .store ? state.upstreamLastID : nil
            )
            return Subscription(epoch: state.epoch, lastID: state.lastID, plan: plan)
        }
    }

    /// Removes a subscriber; on its event loop.
    package func unsubscribe(_ subscriber: any StreamSubscriber<Element>, on eventLoop: EventLoop) {
        eventLoop.preconditionInEventLoop()
        state.withLockedValue { state in
            // Idle time starts when the last subscriber leaves, not at its last event.
            state.lastActivity = .now()
            // Under the lock, as its join was: the counts and the observer's calls follow the
            // shard's membership in one order. (The shard takes no lock of its own to remove.)
            guard let shard = state.shards.first(where: { $0.eventLoop === eventLoop }), shard.remove(subscriber) else { return }
            notePresence(subscriber.presenceKind, .leave, in: &state)
        }
    }

    /// Has `observer` told of every subscriber that joins or leaves from now on, with the
    /// counts after the change (what `-presence-stream` publishes). It is called under the
    /// stream's lock, so its calls come in the order of the changes; it must not call back into
    /// this stream (publishing to another stream is fine: that stream's locks are taken inside
    /// this one's, never the other way round, as long as that stream has no observer itself).
    package func observePresence(_ observer: @escaping @Sendable (PresenceChange) -> Void) {
        state.withLockedValue { $0.presenceObserver = observer }
    }

    private func notePresence(_ kind: String, _ change: PresenceChange.Change, in state: inout State) {
        let count = state.presence[kind, default: 0] + (change == .join ? 1 : -1)
        state.presence[kind] = count > 0 ? count : nil
        state.presenceObserver?(PresenceChange(path: path, change: change, kind: kind, counts: state.presence))
    }

    /// Marks the stream removed if it has no subscriber and nothing happened since
    /// `idleSince`; returns whether it did. Only a ``StreamRegistry`` calls this, as it drops
    /// the stream.
    ///
    /// Why a subscriber joining at that moment is never stranded on a removed stream: this
    /// check and ``subscribe(_:on:resume:)``, which adds the subscriber to its shard's count,
    /// run under the same lock, so one of them comes first. If the subscriber does, the count
    /// is not zero and the stream stays. If the removal does, `subscribe` sees `removed` and
    /// refuses, so the subscriber is closed as "try again" (1013; SSE: the connection ends) and
    /// its retry finds the registry's new stream at the path. Publishes see `removed` the same
    /// way and go to the registry's stream instead.
    func removeIfIdle(since idleSince: NIODeadline) -> Bool {
        let (removed, waiters) = state.withLockedValue { state -> (Bool, [CheckedContinuation<Void, Never>]) in
            let subscribers = state.shards.reduce(0) { $0 + $1.subscriberCount }
            guard !state.removed, subscribers == 0, state.lastActivity <= idleSince else { return (false, []) }
            state.removed = true
            return (true, Self.takeRoomWaiters(&state))
        }
        for waiter in waiters { waiter.resume() }
        return removed
    }

    private func shard(for eventLoop: EventLoop, in state: inout State) -> LoopShard<Element> {
        if let shard = state.shards.first(where: { $0.eventLoop === eventLoop }) { return shard }
        let shard = LoopShard<Element>(eventLoop: eventLoop, maxBytes: maxQueuedBytes) { [weak self] change in
            self?.queueLeft(change)
        }
        state.shards.append(shard)
        return shard
    }
}
