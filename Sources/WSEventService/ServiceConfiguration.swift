import Logging
import NIOCore
import WSEventRoles
import WSEventStorage
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// Everything `wsevent-service` can be told, as one value. The executable builds it from flags
/// and environment; a program embedding ``EventServer`` builds it directly.
///
/// The defaults suit an embedder: a ``Role/hub`` with no demo page, so a server publishes
/// nothing its program did not publish. `wsevent-service` applies the seed's defaults on top
/// (a producer and the demo page).
public struct ServiceConfiguration: Sendable {
    /// Where to listen. An empty host (`:8080`, as Go writes it) means all interfaces.
    public var serveHost: String = "localhost"
    public var servePort: Int = 8080
    /// The stream this instance serves, with its leading `/`.
    public var servePath: String = "/events"
    /// What feeds the stream at ``servePath``.
    public var role: Role = .hub
    /// How often the producer emits an event.
    public var interval: Duration = RoleTiming.produceInterval
    /// How many recent events each stream keeps for resuming subscribers.
    public var bufferSize: Int = 1024
    /// How many bytes of events (all their encodings) each stream keeps at most; with
    /// ``bufferSize``, whichever is reached first drops the oldest.
    public var bufferBytes: Int = 64 << 20
    /// The largest ``bufferSize`` the command accepts. Nothing is preallocated, but a bound
    /// keeps a typo from promising replay the bytes bound could never hold.
    public static let maxBufferSize = 10_000_000
    /// The largest WebSocket message accepted (1009 past it).
    public var maxMessageSize: Int = 1 << 20
    /// Bytes a subscriber may have pending before it is closed as too slow (1013).
    public var maxPendingBytes: Int = 4 << 20
    /// How long a WebSocket peer may be silent before it is pinged.
    public var pingInterval: Duration = WebSocketTiming.pingInterval
    /// How long a ping may go unanswered before the peer is closed (1011).
    public var pongTimeout: Duration = WebSocketTiming.pongTimeout
    /// How long a close handshake may take before the connection is dropped.
    public var closeTimeout: Duration = WebSocketTiming.closeTimeout
    /// A request head must arrive within this of the connection's start (or of its first byte on
    /// a keep-alive connection); past it: 408 and closed.
    public var headerTimeout: Duration = WebSocketTiming.headerTimeout
    /// A keep-alive HTTP connection with no request for this long is closed.
    public var idleTimeout: Duration = WebSocketTiming.idleTimeout
    /// A publish body must arrive within this of its head (408), a fragmented WebSocket message
    /// be finished within this of its first frame (1008).
    public var bodyTimeout: Duration = ServiceTiming.bodyTimeout
    /// How many connections may be open at once; past it a new one is answered `503` with
    /// `Retry-After`, before any upgrade. The default is what the file-descriptor limit
    /// (`RLIMIT_NOFILE`) leaves after a reserve of 10% (at least 64) for everything else and
    /// a tenth more held to answer `503`: 830 at `ulimit -n 1024` (``ConnectionLimiter``).
    public var maxConnections: Int = ConnectionLimiter.defaultLimit()
    /// How long shutdown waits for subscribers to finish their close handshakes.
    public var shutdownTimeout: Duration = ServiceTiming.shutdownTimeout
    /// The bearer token publishers must present; `nil`: publishing is refused (403).
    public var publishToken: String?
    /// The bearer token subscribers must present (header or `?token=`); `nil`: anyone may.
    public var subscribeToken: String?
    /// Browser origins allowed besides the server's own (`*` for any).
    public var allowedOrigins: [String] = []
    /// Let a publish or a subscriber open a stream at a path that has none (an origin, fed by
    /// publishes): any path is a topic.
    public var createStreams: Bool = false
    /// How many streams may exist at once, the one at ``servePath`` included; past it, opening
    /// another is refused with 503.
    public var maxStreams: Int = 1000
    /// A stream opened by ``createStreams`` that has had no subscriber and no event for this
    /// long is removed. The stream at ``servePath`` never is.
    public var streamIdleTimeout: Duration = ServiceTiming.streamIdleTimeout
    /// What a subscriber that gives no resume point (`since`, `Last-Event-ID`, a named
    /// consumer's position) gets before live events: live events only (the default), the
    /// newest event or the last N, or all the replay buffer holds (`-first-message`).
    public var firstMessage: FirstMessage = .live
    /// Publish every stream's subscriber joins and leaves as JSON events on a stream of their
    /// own at `/_presence` (`-presence-stream`).
    public var presenceStream: Bool = false
    /// How many paths `/metrics` names in `wsevent_topic_subscribers`, the busiest first; the
    /// others are summed under `path="other"`. 0: the metric is left out.
    public var presenceMetricPaths: Int = 100
    /// How often SSE subscribers get a comment so proxies keep the stream open.
    public var sseHeartbeat: Duration = TransportTiming.sseHeartbeat
    /// The reconnect delay EventSource is told to use, in milliseconds.
    public var sseRetryMilliseconds: Int = Int(TransportTiming.sseRetry.components.seconds * 1000)
    /// Serve the live demo page at `/`.
    public var demoPage: Bool = false
    /// The certificate and key to serve `wss://` and `https://` with, on the same port;
    /// `nil`: plain `ws://` and `http://`. Read again by ``EventServer/reloadTLS()``.
    public var tls: ServerTLS?
    /// How `wss://` and `https://` upstreams are verified: the system's roots, or a private CA's.
    public var upstreamTLS: ClientTLS = ClientTLS()
    /// The store that makes the stream at ``servePath`` durable and shared by every instance on
    /// it (an origin's: producer, hub, fan-in); `nil`: in memory. A store is a plug-in: the
    /// PostgreSQL one is `PostgresStoreConfiguration`, from the `WSEventPostgres` product.
    /// docs/STORE.md.
    public var store: (any StreamStoreConfiguration)?
    /// Brokers that feed the stream at ``servePath`` beside the ``role``'s producer and
    /// upstreams (a NATS subject, say): the instance gives their messages its own ids. Each is
    /// a plug-in (`WSEventBridges`, with the `Bridges` trait). docs/BRIDGES.md.
    public var sources: [any EventSourceConfiguration] = []

    public init() {}

    /// `host:port` as the user wrote it, e.g. in the producer's messages.
    public var serveAddress: String { "\(serveHost):\(servePort)" }

    /// The host to bind: `localhost` is 127.0.0.1 (as Go listens), an empty host all interfaces.
    var bindHost: String {
        switch serveHost {
        case "": "0.0.0.0"
        case "localhost": "127.0.0.1"
        default: serveHost
        }
    }

    /// The upstreams the ``role`` consumes.
    public var upstreams: [StreamURL] { role.upstreams }

    /// The relay role: the stream mirrors its one upstream.
    public var isRelay: Bool { role.mirrors }

    /// Origins allowed to subscribe and publish from a browser.
    public var cors: CORSPolicy { CORSPolicy(allowedOrigins: allowedOrigins) }

    /// Settings for every WebSocket connection, served or consumed.
    public var webSocket: WebSocketConfiguration {
        var configuration = WebSocketConfiguration(
            maxMessageSize: maxMessageSize,
            pingInterval: pingInterval,
            pongTimeout: pongTimeout,
            closeTimeout: closeTimeout,
            fragmentTimeout: bodyTimeout
        )
        configuration.tls = upstreamTLS
        return configuration
    }

    /// The bounds of every connection's HTTP request phase.
    public var httpTimeouts: HTTPTimeouts {
        HTTPTimeouts(header: headerTimeout, idle: idleTimeout, body: bodyTimeout)
    }
}
