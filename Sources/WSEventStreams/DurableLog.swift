import NIOCore

/// A payload as a durable log takes it: the bytes, or bytes that follow the event's id in
/// decimal (the producer writes its id at the front of its message, and only the log knows
/// that id before the commit).
public enum DurablePayload: Sendable {
    case bytes(ByteBuffer)
    /// The payload is the id in decimal, then these bytes.
    case idPrefixed(ByteBuffer)
}

/// Where an origin stream's events live when they must outlive the process: a log outside it
/// (a store, such as PostgreSQL) assigns the ids, keeps the epoch and the events, and feeds the
/// stream of every instance on it (``EventStream/followStore(_:epoch:lastID:)`` and
/// ``EventStream/mirror(_:)``).
///
/// The stream only holds it for the layers above: a publish goes to ``append(kind:payload:)``
/// instead of ``EventStream/publish(kind:payload:)``, and a subscriber resuming from an id
/// older than the replay buffer is replayed from ``events(after:through:epoch:limit:)``.
public protocol DurableLog: Sendable {
    /// Appends an event and returns once it is committed, with the id the log gave it and the
    /// epoch. Throws when it cannot say the event was committed.
    func append(kind: EventKind, payload: DurablePayload) async throws -> (id: UInt64, epoch: Epoch)

    /// The events of `epoch` with ids in `id+1...through` that the log still holds, oldest
    /// first: at most `limit` of them, and no more than `maxBytes` bytes of payload but for
    /// the first (so a reader always gets on, and its memory is bounded by what it asks for).
    /// Empty when `epoch` is not the log's. Ids older than the log's retention are missing: the
    /// caller sees a hole.
    func events(after id: UInt64, through: UInt64, epoch: Epoch, limit: Int, maxBytes: Int) async throws -> [Event]

    /// Brings the stream up to the log's newest committed event (one read of the log's head,
    /// then the events up to it): for a subscriber that resumes from an id this instance has
    /// not received yet, because it came from another instance of the same log.
    func catchUp() async throws
}

extension EventStream {
    /// Publishes at an origin: in memory, or through the ``durableLog`` when the stream has
    /// one, returning once the log has committed the event. What the roles publish with.
    @discardableResult
    public func append(kind: EventKind, payload: DurablePayload) async throws -> (id: UInt64, epoch: Epoch) {
        if let log = durableLog {
            // The log's events come back through this stream: take none while it is overloaded.
            guard takesPublishes else { throw StreamPublishError.full }
            return try await log.append(kind: kind, payload: payload)
        }
        switch payload {
        case .bytes(let bytes):
            return try publish(kind: kind, payload: bytes)
        case .idPrefixed(let rest):
            return try publish(kind: kind) { id in
                var buffer = ByteBuffer(string: String(id))
                var rest = rest
                buffer.writeBuffer(&rest)
                return buffer
            }
        }
    }
}
