import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import WSEventStorage
import WSEventStreams

/// One stream's log in the store, as this instance sees it: it commits publishes in groups
/// (``append(kind:payload:)``, in StreamLog+GroupCommit.swift), and feeds the in-memory stream
/// every committed event once, in id order, whoever committed it (``learned(head:epoch:)``).
///
/// Why every event reaches the stream once and in order, with no hole:
/// - The database gives ids: a commit raises the stream row's `last_id` and inserts its events
///   under that row's lock, so commits of one stream are serialized, in id order. When id N is
///   known committed (our own commit returned, or a notification named it), so is every id
///   below it.
/// - One follower at a time applies events, always the next id after the last applied
///   (``FollowerState``): from our own commit if we have it, else read from the table by id
///   range. So whatever order notifications and commits arrive in, the stream sees 1, 2, 3, ...
///   The stream is fed under this log's lock, so a reset cannot interleave with a hand-over.
/// - After a lost connection the listener asks the head again (LISTEN first, then the read),
///   so a notification missed while down costs nothing: the read names a head at least as new.
///
/// Its two loops, the committer and the follower, run in ``run()``, a child of the store's
/// ``PostgresStore/run()``: they end with it, and a publish still queued then is refused, never
/// left waiting.
final class StreamLog<Element: StreamElement>: DurableLog, @unchecked Sendable {
    struct Pending {
        var kind: EventKind
        var payload: DurablePayload
        var continuation: CheckedContinuation<(id: UInt64, epoch: Epoch), any Error>
    }

    struct State {
        var follower: FollowerState
        /// Publishes waiting for the next group commit.
        var queue: [Pending] = []
        /// ``run()`` ended: publishes are refused.
        var stopped = false
    }

    /// A wake-up for one of the loops: several before it gets to them are one.
    typealias Wakeups = (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation)

    let streamID: Int64
    let path: String
    let stream: EventStream<Element>
    let connections: StoreConnections
    let configuration: PostgresStoreConfiguration
    let metrics: StoreMetrics
    let logger: Logger
    let state: NIOLockedValueBox<State>
    /// Wakes the committer: a publish was queued.
    let commits: Wakeups = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    /// Wakes the follower: there may be something to apply.
    let follows: Wakeups = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))

    init(
        streamID: Int64,
        path: String,
        stream: EventStream<Element>,
        epoch: Epoch,
        lastID: UInt64,
        connections: StoreConnections,
        configuration: PostgresStoreConfiguration,
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
        self.state = NIOLockedValueBox(State(follower: FollowerState(epoch: epoch, lastID: lastID)))
    }

    /// Makes the in-memory stream follow this log, from its current head on.
    func start() {
        state.withLockedValue { state in
            stream.followStore(self, epoch: state.follower.epoch, lastID: state.follower.applied)
        }
    }

    var epoch: Epoch { state.withLockedValue { $0.follower.epoch } }

    /// The committer and the follower, until the task is cancelled; then every publish still
    /// queued is refused.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in self.commits.stream { await self.commitQueued() }
            }
            group.addTask {
                for await _ in self.follows.stream { await self.applyKnown() }
            }
        }
        let stranded = state.withLockedValue { state in
            state.stopped = true
            defer { state.queue.removeAll() }
            return state.queue
        }
        for pending in stranded {
            pending.continuation.resume(throwing: PostgresStoreError.unavailable("the store is shutting down"))
        }
    }

    // MARK: Following

    /// The store has committed up to `head` in `epoch` (a read of the head, or our own
    /// commit). A new epoch means an operator reset the stream: ids start over.
    func learned(head: UInt64, epoch: Epoch) {
        learn(head: head, epoch: epoch) { $0.learn(head: head, epoch: epoch) }
    }

    /// A notification said the store has committed up to `head`: perhaps our own batch in
    /// flight, whose answer is then awaited rather than its events read back.
    func notified(head: UInt64, epoch: Epoch) {
        learn(head: head, epoch: epoch) { $0.notified(head: head, epoch: epoch) }
    }

    private func learn(head: UInt64, epoch: Epoch, _ update: (inout FollowerState) -> Bool) {
        let reset = state.withLockedValue { state -> Bool in
            let reset = update(&state.follower)
            if reset {
                stream.followStore(self, epoch: epoch, lastID: 0)
            } else {
                stream.noteStoreHead(head, epoch: epoch)
            }
            return reset
        }
        if reset {
            logger.warning("the stream was reset in the store: a new epoch, ids start over", metadata: ["epoch": "\(epoch)"])
        }
        follow()
    }

    /// Wakes the follower, which applies whatever is known committed and not applied yet.
    func follow() {
        follows.continuation.yield()
    }

    /// Applies what is known committed, in id order, until nothing is left (or only our batch
    /// in flight, whose answer wakes the follower again). A read the store cannot answer is
    /// retried with a growing pause until it can, or until the store stops.
    private func applyKnown() async {
        var failures = 0
        while !Task.isCancelled {
            // What the store has committed is read only while the stream's event loops keep up
            // with it: memory is bounded by this reader, not by the subscribers' pace.
            await stream.waitForRoom()
            let read = state.withLockedValue { state -> (epoch: Epoch, after: UInt64, through: UInt64)? in
                let (apply, then) = state.follower.next()
                for event in apply { stream.mirror(event) }
                guard case .read(let after, let through) = then else { return nil }
                return (state.follower.epoch, after, through)
            }
            guard let read else { return }
            do {
                let (events, cut) = try await self.read(
                    after: read.after,
                    through: read.through,
                    limit: Int(read.through - read.after),
                    maxBytes: configuration.maxBatchBytes
                )
                failures = 0
                // A page the bytes cut short covers ids up to its last event only: the rest is
                // read next, not taken for pruned.
                let through = cut ? events.last?.id ?? read.through : read.through
                state.withLockedValue { state in
                    let apply = state.follower.read(events, after: read.after, through: through, epoch: read.epoch)
                    for event in apply { stream.mirror(event) }
                    if apply.count < through - read.after, state.follower.applied == through, read.epoch == state.follower.epoch {
                        logger.warning(
                            "events were pruned before this instance read them",
                            metadata: ["first": "\(read.after + 1)", "last": "\(through)", "read": "\(apply.count)"]
                        )
                    }
                }
                metrics.caughtUp.increment(by: events.count)
            } catch {
                // The store is down: try again, a little later each time.
                failures += 1
                let pause = min(PostgresTiming.followRetryStep * failures, PostgresTiming.followRetryMaximum)
                do { try await Task.sleep(for: pause) } catch { return }
            }
        }
    }

    // MARK: Reading

    func events(after id: UInt64, through: UInt64, epoch: Epoch, limit: Int, maxBytes: Int) async throws -> [Event] {
        guard epoch == self.epoch, through > id else { return [] }
        let events = try await read(after: id, through: through, limit: limit, maxBytes: maxBytes).events
        metrics.replayedFromTable.increment(by: events.count)
        return events
    }

    func catchUp() async throws {
        let connection = try connections.reader.current()
        let (head, epoch) = try await StoreSQL.head(of: streamID, on: connection, logger: logger)
        learned(head: head, epoch: epoch)
        // Wait (bounded) for the follower to apply it.
        let deadline = ContinuousClock.now + PostgresTiming.catchUpWait
        while ContinuousClock.now < deadline {
            let done = state.withLockedValue { $0.follower.applied >= head || $0.follower.epoch != epoch }
            if done { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Events `id+1...through` from the table: at most `limit`, and `maxBytes` of payload
    /// beyond the first; `cut` when the bytes ended the page before the count did.
    func read(after id: UInt64, through: UInt64, limit: Int, maxBytes: Int) async throws -> (events: [Event], cut: Bool) {
        let connection = try connections.reader.current()
        var binds = PostgresBindings(capacity: 5)
        binds.append(streamID)
        binds.append(Int64(id))
        binds.append(Int64(clamping: through))
        binds.append(Int64(limit))
        binds.append(Int64(max(maxBytes, 1)))
        let rows = try await connection.query(PostgresQuery(unsafeSQL: StoreSQL.readRange, binds: binds), logger: logger)
        var events: [Event] = []
        var allowed = 0
        for try await (eventID, kind, payload, total) in rows.decode((Int64, Int16, ByteBuffer, Int64).self) {
            events.append(Event(id: UInt64(eventID), kind: kind == EventKind.text.code ? .text : .binary, payload: payload))
            allowed = Int(total)
        }
        return (events, events.count < allowed)
    }
}
