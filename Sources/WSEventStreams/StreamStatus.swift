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
    /// Events held for resuming subscribers.
    public var bufferedEvents: Int = 0
    /// The bytes those events hold (``StreamElement/byteCount``).
    public var bufferedBytes: Int = 0
}

/// Why a publish was refused.
public enum StreamPublishError: Error, Sendable {
    /// The stream mirrors an upstream: its ids belong to the origin.
    case notOrigin
    /// The stream was removed from its registry as idle: publish to the registry's
    /// stream at this path instead.
    case removed
}
