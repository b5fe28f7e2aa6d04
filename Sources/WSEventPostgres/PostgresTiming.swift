/// Every timing default of the PostgreSQL store, in one table (each layer keeps its own).
public enum PostgresTiming {
    // MARK: Connections

    /// A connection attempt to the database.
    public static let connectTimeout: Duration = .seconds(5)
    /// The first reconnect delay after a connection is lost; it doubles (with jitter).
    public static let reconnectInitial: Duration = .milliseconds(100)
    /// The longest reconnect delay: a database back from a restart is found within this.
    public static let reconnectMaximum: Duration = .seconds(2)
    /// How often `/metrics`' `wsevent_store_up` and the reconnect counter are brought up to date.
    public static let healthPoll: Duration = .milliseconds(250)

    // MARK: Following other instances

    /// The first retry of a read the follower could not make (the store is down); it grows by
    /// this much each time, up to ``followRetryMaximum``.
    public static let followRetryStep: Duration = .milliseconds(100)
    public static let followRetryMaximum: Duration = .seconds(1)
    /// How long a subscriber that came from a further-along instance waits for this one to
    /// catch up with the store before it joins anyway (and is told of what it missed as usual).
    public static let catchUpWait: Duration = .seconds(2)

    // MARK: Named consumers and pruning

    /// A named consumer's position is dropped once it has not been seen for this long.
    public static let consumerTTL: Duration = .seconds(7 * 24 * 3600)
    /// How long a consumer's claim on its name lasts without renewal.
    public static let consumerLease: Duration = .seconds(10)
    /// How often connected consumers' positions are written back.
    public static let cursorFlushInterval: Duration = .milliseconds(500)
    /// How often old events and expired consumers are pruned.
    public static let pruneInterval: Duration = .seconds(2)
    /// Pruning never runs more often than this, whatever the TTL and retention.
    public static let minimumPruneInterval: Duration = .milliseconds(100)
}
