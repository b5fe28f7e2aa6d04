import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import WSEventStreams

/// One stream's log in the store, as this instance sees it: it commits publishes in groups
/// (``append(kind:payload:)``), and feeds the in-memory stream every committed event once, in
/// id order, whoever committed it (``learned(head:epoch:)``).
///
/// Why every event reaches the stream once and in order, with no hole:
/// - The database gives ids: a commit raises the stream row's `last_id` and inserts its events
///   under that row's lock, so commits of one stream are serialized, in id order. When id N is
///   known committed (our own commit returned, or a notification named it), so is every id
///   below it.
/// - One follower at a time applies events, always the next id after the last applied
///   (`applied + 1`): from our own commit if we have it, else read from the table by id range.
///   So whatever order notifications and commits arrive in, the stream sees 1, 2, 3, ...
/// - After a lost connection the listener asks the head again (LISTEN first, then the read),
///   so a notification missed while down costs nothing: the read names a head at least as new.
final class StreamLog<Element: StreamElement>: DurableLog, @unchecked Sendable {
    private struct Pending {
        var kind: EventKind
        var payload: DurablePayload
        var continuation: CheckedContinuation<(id: UInt64, epoch: Epoch), any Error>
    }

    private struct State {
        var epoch: Epoch
        /// The last id handed to the stream.
        var applied: UInt64
        /// The newest id known committed.
        var known: UInt64
        /// Our own committed events not applied yet, by id.
        var committed: [UInt64: Event] = [:]
        var following = false
        var queue: [Pending] = []
        var committing = false
        /// A batch of ours is in the database now: a notification may name its ids before
        /// its answer is back, and they need not be read from the table then.
        var inFlight = false
        /// Batches sent and batches answered (committed or failed), counted.
        var batchesSent = 0
        var batchesAnswered = 0
        /// The follower waits for the answer of this batch before reading from the table: the
        /// one in flight when a notification came. Only that one, so a steady stream of our
        /// own batches never holds back other instances' events.
        var awaitedBatch = 0
    }

    let streamID: Int64
    let path: String
    private let stream: EventStream<Element>
    private let connections: StoreConnections
    private let configuration: StoreConfiguration
    private let metrics: StoreMetrics
    private let logger: Logger
    private let state: NIOLockedValueBox<State>

    init(
        streamID: Int64,
        path: String,
        stream: EventStream<Element>,
        epoch: Epoch,
        lastID: UInt64,
        connections: StoreConnections,
        configuration: StoreConfiguration,
        metrics: StoreMetrics,
        logger: Logger
    ) {
        self.streamID = streamID
        self.path = path
        self.stream = stream
        self.connections = connections
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.state = NIOLockedValueBox(State(epoch: epoch, applied: lastID, known: lastID))
    }

    /// Makes the in-memory stream follow this log, from its current head on.
    func start() {
        let (epoch, lastID) = state.withLockedValue { ($0.epoch, $0.applied) }
        stream.followStore(self, epoch: epoch, lastID: lastID)
    }

    var epoch: Epoch { state.withLockedValue { $0.epoch } }

    // MARK: Following

    /// The store has committed up to `head` in `epoch` (a notification, a read of the head, or
    /// our own commit). A new epoch means an operator reset the stream: ids start over.
    func learned(head: UInt64, epoch: Epoch) {
        let reset = state.withLockedValue { state -> Bool in
            guard state.epoch != epoch else {
                state.known = max(state.known, head)
                return false
            }
            state.epoch = epoch
            state.applied = 0
            state.known = head
            state.committed.removeAll()
            return true
        }
        if reset {
            logger.warning("the stream was reset in the store: a new epoch, ids start over", metadata: ["epoch": "\(epoch)"])
            stream.followStore(self, epoch: epoch, lastID: 0)
        } else {
            stream.noteStoreHead(head, epoch: epoch)
        }
        follow()
    }

    /// A notification said the store has committed up to `head`: perhaps our own batch in
    /// flight, whose answer is then awaited rather than its events read back.
    func notified(head: UInt64, epoch: Epoch) {
        state.withLockedValue { state in
            if state.inFlight { state.awaitedBatch = state.batchesSent }
        }
        learned(head: head, epoch: epoch)
    }

    /// Starts the follower unless it runs or there is nothing to apply.
    private func follow() {
        let start = state.withLockedValue { state -> Bool in
            guard !state.following, state.known > state.applied else { return false }
            state.following = true
            return true
        }
        if start { Task { await self.followLoop() } }
    }

    private func followLoop() async {
        var failures = 0
        while true {
            // Our own events first, as far as they are contiguous.
            let next = state.withLockedValue { state -> (epoch: Epoch, after: UInt64, through: UInt64)? in
                while let event = state.committed.removeValue(forKey: state.applied + 1) {
                    stream.mirror(event)
                    state.applied = event.id
                }
                guard state.applied < state.known else {
                    state.following = false
                    state.committed = state.committed.filter { $0.key > state.applied }
                    return nil
                }
                // The next ids may be the batch we were committing when the notification came:
                // wait for its answer (the commit loop then starts the follower again) rather
                // than read our own events back.
                if state.batchesAnswered < state.awaitedBatch {
                    state.following = false
                    return nil
                }
                let firstOwn = state.committed.keys.min() ?? UInt64.max
                return (state.epoch, state.applied, min(state.known, firstOwn - 1, state.applied + 1000))
            }
            guard let next else { return }
            do {
                let events = try await read(after: next.after, through: next.through, limit: 1000)
                failures = 0
                state.withLockedValue { state in
                    guard state.epoch == next.epoch, state.applied == next.after else { return }
                    for event in events where event.id > state.applied {
                        stream.mirror(event)
                        state.applied = event.id
                    }
                    // A range the table no longer holds (pruned before we read it): skip it;
                    // subscribers see the hole as a gap.
                    if events.isEmpty || state.applied < next.through {
                        if state.applied < next.through {
                            logger.warning(
                                "events were pruned before this instance read them",
                                metadata: ["first": "\(state.applied + 1)", "last": "\(next.through)"]
                            )
                        }
                        state.applied = next.through
                    }
                }
                metrics.caughtUp.increment(by: events.count)
            } catch {
                // The store is down: try again with backoff; the listener's read of the head on
                // reconnecting brings the follower back too.
                failures += 1
                if failures > 50 {
                    state.withLockedValue { $0.following = false }
                    return
                }
                try? await Task.sleep(for: .milliseconds(min(100 * failures, 1000)))
            }
        }
    }

    // MARK: DurableLog

    func append(kind: EventKind, payload: DurablePayload) async throws -> (id: UInt64, epoch: Epoch) {
        // Refused at once while the store is down: a publisher should not wait for it.
        _ = try connections.writer.current()
        return try await withCheckedThrowingContinuation { continuation in
            let start = state.withLockedValue { state -> Bool in
                state.queue.append(Pending(kind: kind, payload: payload, continuation: continuation))
                guard !state.committing else { return false }
                state.committing = true
                return true
            }
            if start { Task { await self.commitLoop() } }
        }
    }

    /// Commits what is queued, one transaction per batch, until the queue is empty: while one
    /// batch commits, the next gathers (group commit).
    private func commitLoop() async {
        while true {
            let batch = state.withLockedValue { state -> [Pending] in
                guard !state.queue.isEmpty else {
                    state.committing = false
                    return []
                }
                var count = 0
                var bytes = 0
                for pending in state.queue {
                    let size = pending.payload.byteCount
                    if count > 0, count >= configuration.maxBatchEvents || bytes + size > configuration.maxBatchBytes { break }
                    count += 1
                    bytes += size
                }
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                return batch
            }
            guard !batch.isEmpty else { return }
            state.withLockedValue { state in
                state.inFlight = true
                state.batchesSent += 1
            }
            do {
                let (lastID, epoch) = try await commit(batch)
                let firstID = lastID - UInt64(batch.count) + 1
                metrics.commits.increment()
                metrics.committed.increment(by: batch.count)
                var events: [Event] = []
                events.reserveCapacity(batch.count)
                for (offset, pending) in batch.enumerated() {
                    let id = firstID + UInt64(offset)
                    events.append(Event(id: id, kind: pending.kind, payload: pending.payload.bytes(for: id)))
                }
                // Kept to apply without reading them back (bounded: past that, they are read).
                state.withLockedValue { state in
                    state.inFlight = false
                    state.batchesAnswered = state.batchesSent
                    guard state.epoch == epoch else { return }
                    for event in events where event.id > state.applied && state.committed.count < 100_000 {
                        state.committed[event.id] = event
                    }
                }
                learned(head: lastID, epoch: epoch)
                for (offset, pending) in batch.enumerated() {
                    pending.continuation.resume(returning: (firstID + UInt64(offset), epoch))
                }
            } catch {
                state.withLockedValue { state in
                    state.inFlight = false
                    state.batchesAnswered = state.batchesSent
                }
                follow()
                let reason = StoreConnection.describe(error)
                metrics.failedPublishes.increment(by: batch.count)
                for pending in batch {
                    pending.continuation.resume(throwing: StoreError.unavailable(reason))
                }
            }
        }
    }

    /// One transaction: takes the ids under the stream row's lock, inserts the events, and
    /// notifies every instance, in one statement (one round trip).
    private func commit(_ batch: [Pending]) async throws -> (lastID: UInt64, epoch: Epoch) {
        let connection = try connections.writer.current()
        var binds = PostgresBindings(capacity: 5)
        binds.append(streamID)
        binds.append(Int64(batch.count))
        binds.append(batch.map { $0.kind.code })
        binds.append(batch.map { $0.payload.storedBytes })
        binds.append(batch.map { $0.payload.isNumbered })
        let rows = try await connection.query(PostgresQuery(unsafeSQL: StoreSQL.publish, binds: binds), logger: logger)
        for try await (lastID, epochText) in rows.decode((Int64, String).self) {
            guard let epoch = Epoch(epochText) else { throw StoreError.unavailable("the store holds an invalid epoch '\(epochText)'") }
            return (UInt64(lastID), epoch)
        }
        throw StoreError.noSuchStream(path)
    }

    func events(after id: UInt64, through: UInt64, epoch: Epoch, limit: Int) async throws -> [Event] {
        guard epoch == self.epoch, through > id else { return [] }
        let events = try await read(after: id, through: through, limit: limit)
        metrics.replayedFromTable.increment(by: events.count)
        return events
    }

    func catchUp() async throws {
        let connection = try connections.reader.current()
        let (head, epoch) = try await StoreSQL.head(of: streamID, on: connection, logger: logger)
        learned(head: head, epoch: epoch)
        // Wait (bounded) for the follower to apply it.
        for _ in 0..<200 {
            let done = state.withLockedValue { $0.applied >= head || $0.epoch != epoch }
            if done { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private func read(after id: UInt64, through: UInt64, limit: Int) async throws -> [Event] {
        let connection = try connections.reader.current()
        var binds = PostgresBindings(capacity: 4)
        binds.append(streamID)
        binds.append(Int64(id))
        binds.append(Int64(clamping: through))
        binds.append(Int64(limit))
        let rows = try await connection.query(PostgresQuery(unsafeSQL: StoreSQL.readRange, binds: binds), logger: logger)
        var events: [Event] = []
        for try await (eventID, kind, payload) in rows.decode((Int64, Int16, ByteBuffer).self) {
            events.append(Event(id: UInt64(eventID), kind: kind == EventKind.text.code ? .text : .binary, payload: payload))
        }
        return events
    }
}

extension EventKind {
    /// How the `kind` column stores it.
    var code: Int16 { self == .text ? 0 : 1 }
}

extension DurablePayload {
    /// What the `payload` column gets: the bytes, or the part after the id.
    var storedBytes: ByteBuffer {
        switch self {
        case .bytes(let bytes), .idPrefixed(let bytes): bytes
        }
    }

    var isNumbered: Bool {
        if case .idPrefixed = self { return true }
        return false
    }

    var byteCount: Int { storedBytes.readableBytes + (isNumbered ? 20 : 0) }

    /// The event's payload once its id is known, as the statement builds it too.
    func bytes(for id: UInt64) -> ByteBuffer {
        switch self {
        case .bytes(let bytes): return bytes
        case .idPrefixed(var rest):
            var buffer = ByteBuffer(string: String(id))
            buffer.writeBuffer(&rest)
            return buffer
        }
    }
}
