import Metrics

/// What the store counts for `/metrics` (docs/OPERATIONS.md lists them).
struct StoreMetrics: Sendable {
    /// 1 while every connection to the database is up.
    let up: Gauge
    /// Transactions that committed publishes (one per group).
    let commits: Counter
    /// Events committed by this instance.
    let committed: Counter
    /// Publishes refused because the store was unavailable.
    let failedPublishes: Counter
    /// Events read from the table to fill a hole before delivery (other instances' events).
    let caughtUp: Counter
    /// Events replayed from the table to subscribers resuming past the replay buffer.
    let replayedFromTable: Counter
    /// Connections to the database lost and made again.
    let reconnects: Counter
    /// Events pruned past the retention.
    let pruned: Counter
    /// Named consumer positions dropped past their TTL.
    let expiredConsumers: Counter

    init(factory: any MetricsFactory) {
        up = Gauge(label: "wsevent_store_up", factory: factory)
        commits = Counter(label: "wsevent_store_commits_total", factory: factory)
        committed = Counter(label: "wsevent_store_events_committed_total", factory: factory)
        failedPublishes = Counter(label: "wsevent_store_publishes_failed_total", factory: factory)
        caughtUp = Counter(label: "wsevent_store_events_read_total", dimensions: [("purpose", "catch-up")], factory: factory)
        replayedFromTable = Counter(label: "wsevent_store_events_read_total", dimensions: [("purpose", "replay")], factory: factory)
        reconnects = Counter(label: "wsevent_store_reconnects_total", factory: factory)
        pruned = Counter(label: "wsevent_store_events_pruned_total", factory: factory)
        expiredConsumers = Counter(label: "wsevent_store_consumers_expired_total", factory: factory)
        up.record(0)
    }
}
