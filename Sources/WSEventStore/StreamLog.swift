import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
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
final class StreamLog<Element: StreamElement>: DurableLog, @unchecked Sendable {
    struct Pending {
        var kind: EventKind
        var payload: DurablePayload
        var continuation: CheckedContinuation<(id: UInt64, epoch: Epoch), any Error>
    }

    struct State {
        var follower: FollowerState
        /// A follower task runs.
        var following = false
        /// Publishes waiting for the next group commit.
        var queue: [Pending] = []
        /// A commit task runs.
        var committing = false
    }

    let streamID: Int64
    let path: String
    let stream: EventStream<Element>
    let connections: StoreConnections
    let configuration: StoreConfiguration
    let metrics: StoreMetrics
    let logger: Logger
    let state: NIOLockedValueBox<State>

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
        self.state = NIOLockedValueBox(State(follower: FollowerState(epoch: epoch, lastID: lastID)))
    }

    /// Makes the in-memory stream follow this log, from its current head on.
    func start() {
        state.withLockedValue { state in
            stream.followStore(self, epoch: state.follower.epoch, lastID: state.follower.applied)
        }
    }

    var epoch: Epoch { state.withLockedValue { $0.follower.epoch } }

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

    /// Starts the follower unless it runs or there is nothing to apply.
    func follow() {
        let start = state.withLockedValue { state -> Bool in
            guard !state.following, state.follower.known > state.follower.applied else { return false }
            state.following = true
            return true
        }
        if start { Task { await self.followLoop() } }
    }

    private func followLoop() async {
        var failures = 0
        while true {
            let read = state.withLockedValue { state -> (epoch: Epoch, after: UInt64, through: UInt64)? in
                let (apply, then) = state.follower.next()
                for event in apply { stream.mirror(event) }
                guard case .read(let after, let through) = then else {
                    // Idle, or waiting for our batch's answer (which starts the follower again).
                    state.following = false
                    return nil
                }
                return (state.follower.epoch, after, through)
            }
            guard let read else { return }
            do {
                let events = try await self.read(after: read.after, through: read.through, limit: Int(read.through - read.after))
                failures = 0
                state.withLockedValue { state in
                    let apply = state.follower.read(events, after: read.after, through: read.through, epoch: read.epoch)
                    for event in apply { stream.mirror(event) }
                    if apply.count < read.through - read.after, state.follower.applied == read.through, read.epoch == state.follower.epoch {
                        logger.warning(
                            "events were pruned before this instance read them",
                            metadata: ["first": "\(read.after + 1)", "last": "\(read.through)", "read": "\(apply.count)"]
                        )
                    }
                }
                metrics.caughtUp.increment(by: events.count)
            } catch {
                // The store is down: try again with backoff. The listener reads the head again
                // when it reconnects, which starts a follower that gave up.
                failures += 1
                if failures > 50 {
                    state.withLockedValue { $0.following = false }
                    return
                }
                try? await Task.sleep(for: .milliseconds(min(100 * failures, 1000)))
            }
        }
    }

    // MARK: Reading

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
            let done = state.withLockedValue { $0.follower.applied >= head || $0.follower.epoch != epoch }
            if done { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func read(after id: UInt64, through: UInt64, limit: Int) async throws -> [Event] {
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
