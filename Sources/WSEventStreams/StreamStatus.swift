/// Where the stream's ids come from.
public enum StreamSource: String, Sendable {
    /// Ids are assigned here.
    case origin
    /// A relay that has not heard from its upstream yet: no epoch, no subscribers.
    case awaitingUpstream = "awaiting-upstream"
    /// Ids and epoch are the upstream's.
    case mirror
    /// Ids and epoch are a durable log's (a store, such as PostgreSQL), shared by every instance on
    /// it; publishes go to the log (``EventStream/durableLog``), events come back from it.
    case store
}

/// A snapshot for health checks and logs.
public struct StreamStatus: Sendable {
    public var path: String
    public var epoch: Epoch
    public var lastID: UInt64
    public var source: StreamSource
    public var subscribers: Int
    /// Events held for replay, and their bytes (see ``EventStream/init(path:bufferSize:bufferBytes:source:)``).
    public var bufferedEvents: Int
    public var bufferedBytes: Int
    /// The subscribers by kind (``StreamSubscriber/presenceKind``: their transport); kinds with
    /// none are left out. Their sum is ``subscribers``.
    public var presence: [String: Int]

    package init(
        path: String,
        epoch: Epoch,
        lastID: UInt64,
        source: StreamSource,
        subscribers: Int,
        bufferedEvents: Int,
        bufferedBytes: Int,
        presence: [String: Int] = [:]
    ) {
        self.path = path
        self.epoch = epoch
        self.lastID = lastID
        self.source = source
        self.subscribers = subscribers
        self.bufferedEvents = bufferedEvents
        self.bufferedBytes = bufferedBytes
        self.presence = presence
    }
}

/// Why a publish was refused.
public enum StreamPublishError: Error, Sendable, CustomStringConvertible {
    /// The stream mirrors an upstream: its ids belong to the origin.
    case notOrigin
    /// The stream was removed from its registry as idle: publish to the registry's
    /// stream at this path instead.
    case removed
    /// The stream was closed (the server is shutting down): nothing more is delivered.
    case closed
    /// The stream's ids come from its durable log: publish through ``EventStream/durableLog``.
    case durable
    /// An event loop's queue of events not yet written holds more than
    /// ``EventStream/maxQueuedBytes`` (its subscribers are behind). Nothing was added; retry
    /// shortly, or wait in ``EventStream/waitForRoom()``.
    case full
    /// The stream's last id is ``Event/maxID``: it has no id left to give. Nothing was added,
    /// and retrying will not help; a new epoch (a restarted origin) starts again at 1.
    case idsExhausted

    /// One line for a log.
    public var description: String {
        switch self {
        case .notOrigin: "the stream's ids are not its own: it mirrors an upstream, or has not reached its store yet"
        case .removed: "the stream was removed as idle"
        case .closed: "the stream is closed: the server is shutting down"
        case .durable: "the stream's ids come from its store: publish through its durable log"
        case .full: "the stream has no room: its subscribers' event loops are behind"
        case .idsExhausted: "the stream has used every id up to \(Event.maxID), the largest"
        }
    }
}
