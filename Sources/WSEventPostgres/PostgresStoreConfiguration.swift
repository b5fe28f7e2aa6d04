import Logging
import NIOCore
import WSEventStorage
import WSEventStreams

/// Everything the PostgreSQL store is told: where it is, what it keeps, and its timings. What
/// `ServiceConfiguration.store` holds for `-store postgres://...`.
public struct PostgresStoreConfiguration: StreamStoreConfiguration {
    /// The database.
    public var url: PostgresURL
    /// What each stream keeps in the table for resuming subscribers.
    public var retention: Retention = .standard
    /// A named consumer's position is dropped once it has not been seen for this long.
    public var consumerTTL: Duration = PostgresTiming.consumerTTL
    /// How long a connected consumer's claim on its name lasts without renewal: after an
    /// instance dies, its consumers can connect elsewhere once this has passed.
    public var consumerLease: Duration = PostgresTiming.consumerLease
    /// How often connected consumers' positions (and their claims) are written back, batched.
    public var cursorFlushInterval: Duration = PostgresTiming.cursorFlushInterval
    /// How often old events and expired consumers are pruned (each prune costs about the rows
    /// it drops: see `StoreSQL.prune`).
    public var pruneInterval: Duration = PostgresTiming.pruneInterval
    /// At most this many events go into one transaction (group commit).
    public var maxBatchEvents: Int = 1024
    /// At most this many payload bytes go into one transaction.
    public var maxBatchBytes: Int = 8 << 20

    public init(url: PostgresURL) {
        self.url = url
    }

    /// Reads `-store`, `-retention` and `-consumer-ttl`.
    /// - Throws: ``PostgresURLError`` for a URL that does not parse.
    public init(_ options: StoreOptions) throws {
        self.init(url: try PostgresURL(parsing: options.url))
        if let retention = options.retention { self.retention = retention }
        if let ttl = options.consumerTTL { consumerTTL = ttl }
    }

    /// The URL without its password.
    public var description: String { url.description }

    public func makeStore(context: StoreContext) -> any StreamStore {
        PostgresStore(
            configuration: self,
            eventLoopGroup: context.eventLoopGroup,
            metricsFactory: context.metricsFactory,
            logger: context.logger
        )
    }

    public func resetStream(path: String, eventLoopGroup: any EventLoopGroup, logger: Logger) async throws -> Epoch {
        try await PostgresStore.resetStream(path: path, url: url, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// How often pruning runs for these settings: often enough for a short consumer TTL (as
    /// tests use), never more than every 100 ms.
    var effectivePruneInterval: Duration {
        max(PostgresTiming.minimumPruneInterval, min(pruneInterval, consumerTTL / 4, retention.age.map { $0 / 4 } ?? pruneInterval))
    }
}

extension StoreKind {
    /// `-store postgres://USER:PASSWORD@HOST:PORT/DB` (or `postgresql://`): the PostgreSQL store.
    public static let postgres = StoreKind(
        schemes: ["postgres", "postgresql"],
        example: "postgres://USER:PASSWORD@HOST:PORT/DB"
    ) { options in
        try PostgresStoreConfiguration(options)
    }
}
