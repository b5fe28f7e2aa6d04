/// Everything the store is told: where it is, what it keeps, and its timings.
public struct StoreConfiguration: Sendable {
    /// The database.
    public var url: StoreURL
    /// What each stream keeps in the table for resuming subscribers.
    public var retention: Retention = .standard
    /// A named consumer's position is dropped once it has not been seen for this long.
    public var consumerTTL: Duration = .seconds(7 * 24 * 3600)
    /// How long a connected consumer's claim on its name lasts without renewal: after an
    /// instance dies, its consumers can connect elsewhere once this has passed.
    public var consumerLease: Duration = .seconds(10)
    /// How often connected consumers' positions (and their claims) are written back, batched.
    public var cursorFlushInterval: Duration = .milliseconds(500)
    /// How often old events and expired consumers are pruned (each prune costs about the rows
    /// it drops: see `StoreSQL.prune`).
    public var pruneInterval: Duration = .seconds(2)
    /// At most this many events go into one transaction (group commit).
    public var maxBatchEvents: Int = 1024
    /// At most this many payload bytes go into one transaction.
    public var maxBatchBytes: Int = 8 << 20

    public init(url: StoreURL) {
        self.url = url
    }

    /// How often pruning runs for these settings: often enough for a short consumer TTL (as
    /// tests use), never more than every 100 ms.
    var effectivePruneInterval: Duration {
        max(.milliseconds(100), min(pruneInterval, consumerTTL / 4, retention.age.map { $0 / 4 } ?? pruneInterval))
    }
}
