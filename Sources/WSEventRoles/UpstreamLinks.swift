import Metrics
import NIOConcurrencyHelpers
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// The state of each upstream a server consumes, as its consumers report it; `/healthz`
/// shows it, and `/metrics` when made with a metrics factory.
public final class UpstreamLinks: Sendable {
    /// Where a link to an upstream stands.
    public enum State: String, Sendable {
        /// Not connected yet.
        case connecting
        case connected
        /// Lost or refused; reconnecting with backoff.
        case reconnecting
    }

    public struct Link: Sendable {
        public var url: StreamURL
        public var state: State
        /// How many times the link was lost after being up.
        public var reconnects: Int
        /// Why the last attempt failed or the link was lost, in one line (`wss://...: certificate
        /// verify failed: ...`), while it is not connected; `nil` once connected.
        public var lastError: String?
    }

    /// One upstream's metrics, in the order of `links`.
    private struct LinkMetrics: Sendable {
        /// 1 while connected, else 0.
        var up: Gauge
        var reconnects: Counter
    }

    private let links: NIOLockedValueBox<[Link]>
    private let metrics: [LinkMetrics]
    /// Events taken in from all upstreams.
    private let eventsIn: Counter

    public convenience init(_ urls: [StreamURL] = []) {
        self.init(urls, factory: NOOPMetricsHandler.instance)
    }

    /// Links whose state, reconnects and events also go to `factory`'s metrics.
    package init(_ urls: [StreamURL], factory: any MetricsFactory) {
        links = NIOLockedValueBox(urls.map { Link(url: $0, state: .connecting, reconnects: 0) })
        metrics = urls.map { url in
            let upstream = [("upstream", url.description)]
            let metrics = LinkMetrics(
                up: Gauge(label: "wsevent_upstream_up", dimensions: upstream, factory: factory),
                reconnects: Counter(label: "wsevent_upstream_reconnects_total", dimensions: upstream, factory: factory)
            )
            metrics.up.record(0)
            return metrics
        }
        eventsIn = Counter(label: "wsevent_events_published_total", dimensions: [("source", "upstream")], factory: factory)
    }

    public var all: [Link] { links.withLockedValue { $0 } }

    /// Records where the link to `url` stands; `error` says why it is not connected.
    func set(_ state: State, for url: StreamURL, error: String? = nil) {
        links.withLockedValue { links in
            guard let index = links.firstIndex(where: { $0.url == url }) else { return }
            if links[index].state == .connected, state == .reconnecting {
                links[index].reconnects += 1
                metrics[index].reconnects.increment()
            }
            links[index].state = state
            links[index].lastError = state == .connected ? nil : error
            metrics[index].up.record(state == .connected ? 1 : 0)
        }
    }

    /// Counts an event taken in from an upstream.
    func countEvent() {
        eventsIn.increment()
    }
}
