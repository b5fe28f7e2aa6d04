import Metrics

/// What every source counts for `/metrics`, under one `source` label (its URL without a
/// password), so that every bridge's sources read the same way (docs/OPERATIONS.md).
public struct SourceMetrics: Sendable {
    /// 1 while the source is connected.
    public let up: Gauge
    /// Connections lost after being up.
    public let reconnects: Counter
    /// Messages taken into the stream.
    public let events: Counter
    /// Messages the broker sent that never reached the stream because it had no room (a core
    /// NATS subscription past its pending limits): at-most-once delivery, counted here.
    public let dropped: Counter
    /// Messages refused: over `-max-message-size`.
    public let refused: Counter

    public init(source: String, factory: any MetricsFactory) {
        let label = [("source", source)]
        up = Gauge(label: "wsevent_source_up", dimensions: label, factory: factory)
        reconnects = Counter(label: "wsevent_source_reconnects_total", dimensions: label, factory: factory)
        events = Counter(label: "wsevent_source_events_total", dimensions: label, factory: factory)
        dropped = Counter(label: "wsevent_source_dropped_total", dimensions: label, factory: factory)
        refused = Counter(label: "wsevent_source_refused_total", dimensions: label + [("reason", "too_large")], factory: factory)
        up.record(0)
    }

    /// Follows a change of the link's status: ``up`` to whether it is connected (and `isReady`,
    /// for a source that must do more than connect before it feeds), ``reconnects`` by the
    /// losses counted since `old`. For a bridge's status callback, so the metrics never lag.
    public func follow(from old: SourceStatus, to new: SourceStatus, isReady: Bool = true) {
        up.record(new.isConnected && isReady ? 1 : 0)
        if new.reconnects > old.reconnects { reconnects.increment(by: new.reconnects - old.reconnects) }
    }
}
