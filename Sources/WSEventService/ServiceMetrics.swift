import Metrics
import NIOConcurrencyHelpers
import NIOHTTP1
import Prometheus
import WSEventRoles
import WSEventStreams
import WSEventTransports

/// One server's metrics, as `/metrics` shows them in the Prometheus text format.
///
/// Each server has its own `PrometheusCollectorRegistry`, and makes its swift-metrics handles
/// with a factory over it, so several servers in one process (tests) count apart and nothing
/// here bootstraps the global `MetricsSystem`. docs/OPERATIONS.md lists every metric.
package final class ServiceMetrics: Sendable {
    /// Where every metric of this server is registered; an executable may also bootstrap the
    /// global `MetricsSystem` over it.
    package let registry: PrometheusCollectorRegistry
    package let factory: PrometheusMetricsFactory
    private let plain: SubscriberMetrics
    private let v1: SubscriberMetrics
    private let sse: SubscriberMetrics
    /// TCP connections accepted.
    let connections: Metrics.Counter
    private let refusals: [Refusal.Reason: Metrics.Counter]
    /// Events added by `POST`.
    let publishedByPost: Metrics.Counter
    /// Events added by the producer.
    let publishedByProducer: Metrics.Counter
    /// `accept` failures for want of descriptors or memory (each retry of a backoff counts).
    let acceptErrors: Metrics.Counter
    /// One counter per publish status seen, made once: making a labelled counter looks it up
    /// in the registry under a lock, too much for every publish.
    private let publishes = NIOLockedValueBox<[UInt: Metrics.Counter]>([:])
    private let bufferedEvents: Metrics.Gauge
    private let bufferedBytes: Metrics.Gauge

    package init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let factory = PrometheusMetricsFactory(registry: registry)
        self.factory = factory
        plain = SubscriberMetrics(format: .webSocket(.plain), factory: factory)
        v1 = SubscriberMetrics(format: .webSocket(.v1), factory: factory)
        sse = SubscriberMetrics(format: .sse(retry: 0, heartbeat: .zero), factory: factory)
        connections = Metrics.Counter(label: "wsevent_connections_total", factory: factory)
        refusals = Dictionary(
            uniqueKeysWithValues: Refusal.Reason.allCases.map { reason in
                (reason, Metrics.Counter(label: "wsevent_refusals_total", dimensions: [("reason", reason.rawValue)], factory: factory))
            }
        )
        publishedByPost = Metrics.Counter(label: "wsevent_events_published_total", dimensions: [("source", "publish")], factory: factory)
        publishedByProducer = Metrics.Counter(label: "wsevent_events_published_total", dimensions: [("source", "producer")], factory: factory)
        acceptErrors = Metrics.Counter(label: "wsevent_accept_errors_total", factory: factory)
        bufferedEvents = Metrics.Gauge(label: "wsevent_replay_buffer_events", factory: factory)
        bufferedBytes = Metrics.Gauge(label: "wsevent_replay_buffer_bytes", factory: factory)
    }

    /// The metrics shared by every subscriber of `format`.
    func subscribers(_ format: SubscriberFormat) -> SubscriberMetrics {
        switch format {
        case .webSocket(.plain): plain
        case .webSocket(.v1): v1
        case .sse: sse
        }
    }

    /// Counts a refusal that has a reason.
    func count(_ refusal: Refusal) {
        if let reason = refusal.reason { count(reason) }
    }

    /// Counts a refusal made before any request was read (the connection cap).
    func count(_ reason: Refusal.Reason) {
        refusals[reason]?.increment()
    }

    /// Counts a publish's answer by its status code.
    func countPublish(_ status: HTTPResponseStatus) {
        let code = status.code
        let counter = publishes.withLockedValue { counters in
            if let counter = counters[code] { return counter }
            let counter = Metrics.Counter(label: "wsevent_publishes_total", dimensions: [("status", "\(code)")], factory: factory)
            counters[code] = counter
            return counter
        }
        counter.increment()
    }

    /// The Prometheus text exposition, with the replay buffer gauges read from `streams` now,
    /// and their subscribers by path for at most `presencePaths` paths (``PresenceMetric``).
    func exposition(streams: [WireEventStream], presencePaths: Int = 0) -> String {
        let statuses = streams.map(\.status)
        bufferedEvents.record(statuses.reduce(0) { $0 + $1.bufferedEvents })
        bufferedBytes.record(statuses.reduce(0) { $0 + $1.bufferedBytes })
        return registry.emitToString() + PresenceMetric.exposition(statuses.map { ($0.path, $0.presence) }, maxPaths: presencePaths)
    }
}
