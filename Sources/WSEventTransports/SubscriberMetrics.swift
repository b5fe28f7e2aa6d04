import Metrics

/// The counts a ``StreamSubscriberHandler`` keeps for the subscribers of one transport and
/// mode: made once per server and shared by all of them.
///
/// The handler adds to the counters once per batch, with the batch's totals, never once per
/// event; swift-metrics counters are atomic, so subscribers on every loop share them.
package struct SubscriberMetrics: Sendable {
    /// Events written to subscribers (replay included).
    package let delivered: Counter
    /// Bytes of those events' encodings (a WebSocket frame's payload, an SSE event's text).
    package let bytesSent: Counter
    /// Gap notices written (v1 `gap` messages, SSE `gap` events).
    package let gapNotices: Counter
    /// Subscribers closed for falling behind.
    package let slowConsumerCloses: Counter
    /// WebSocket subscribers closed because they did not answer a ping; `nil` for SSE, which
    /// has no pings (its heartbeat is a comment nobody answers), so no series is shown for it.
    package let keepaliveCloses: Counter?
    /// Subscribers now joined.
    package let subscribers: Meter

    /// The metrics of `format`'s subscribers, from `factory`.
    package init(format: SubscriberFormat, factory: any MetricsFactory) {
        let transport = [("transport", format.transport)]
        delivered = Counter(label: "wsevent_events_delivered_total", dimensions: transport, factory: factory)
        bytesSent = Counter(label: "wsevent_sent_bytes_total", dimensions: transport, factory: factory)
        gapNotices = Counter(label: "wsevent_gap_notices_total", dimensions: transport, factory: factory)
        slowConsumerCloses = Counter(label: "wsevent_slow_consumer_closes_total", dimensions: transport, factory: factory)
        keepaliveCloses =
            switch format {
            case .webSocket: Counter(label: "wsevent_keepalive_closes_total", dimensions: transport, factory: factory)
            case .sse: nil
            }
        subscribers = Meter(
            label: "wsevent_subscribers",
            dimensions: transport + [("mode", format.mode)],
            factory: factory
        )
    }

    /// Counts nothing: for handlers made without a server's metrics.
    package static let disabled = SubscriberMetrics(format: .webSocket(.plain), factory: NOOPMetricsHandler.instance)
}

extension SubscriberFormat {
    /// The `transport` label: `websocket` or `sse`.
    var transport: String {
        switch self {
        case .webSocket: "websocket"
        case .sse: "sse"
        }
    }

    /// The `mode` label: `plain` or `v1` for WebSocket, `sse` for SSE.
    var mode: String {
        switch self {
        case .webSocket(.plain): "plain"
        case .webSocket(.v1): "v1"
        case .sse: "sse"
        }
    }
}
