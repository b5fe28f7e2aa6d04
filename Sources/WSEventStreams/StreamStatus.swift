/// Where the stream's ids come from.
public enum StreamSource: String, Sendable {
    /// Ids are assigned here.
    case origin
    /// A relay that has not heard from its upstream yet: no epoch, no subscribers.
    case awaitingUpstream = "awaiting-upstream"
    /// Ids and epoch are the upstream's.
    case mirror
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
}

/// Why a publish was refused.
public enum StreamPublishError: Error, Sendable {
    /// The stream mirrors an upstream: its ids belong to the origin.
    case notOrigin
    /// The stream was removed from its registry as idle: publish to the registry's
    /// stream at this path instead.
    case removed
    /// The stream was closed (the server is shutting down): nothing more is delivered.
    case closed
}
