import Logging
import NIOCore
import NIOPosix
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// Consumes one upstream stream into a local one, reconnecting for ever.
///
/// - In *mirror* mode (a relay) a `wsevent.v1` (or SSE) upstream's ids and epoch are kept, so the relay's
///   subscribers can resume on any relay of the same origin. The first connection asks for
///   `since=0`, which fills the relay's buffer with the upstream's. A plain upstream makes the
///   local stream an origin.
/// - In *merge* mode (fan-in, or a producer that also consumes) events are republished with
///   local ids; the upstream position is still tracked so a reconnect loses nothing buffered.
///
/// State changes are logged once each (consuming, lost, back), not once per retry.
public struct UpstreamConsumer: Sendable {
    public enum Mode: Sendable {
        case mirror
        case merge
    }

    /// The upstream, consumed over its transport (WebSocket or SSE).
    public let url: StreamURL
    public let stream: WireEventStream
    public let mode: Mode
    let configuration: WebSocketConfiguration
    let group: any EventLoopGroup
    let links: UpstreamLinks?
    let logger: Logger

    public init(
        url: StreamURL,
        stream: WireEventStream,
        mode: Mode,
        configuration: WebSocketConfiguration = WebSocketConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        links: UpstreamLinks? = nil,
        logger: Logger
    ) {
        self.links = links
        self.url = url
        self.stream = stream
        self.mode = mode
        self.configuration = configuration
        self.group = group
        var logger = logger
        logger[metadataKey: "upstream"] = "\(url)"
        self.logger = logger
    }

    /// Runs until the task is cancelled.
    public func run() async {
        var subscriber = ResumingSubscriber(url)
        subscriber.retryRefusals = true
        subscriber.configuration = configuration
        subscriber.group = group
        var connectedBefore = false
        var down = false
        let start = mode == .mirror ? (stream.mirrorPosition ?? ResumePoint(since: 0, epoch: nil)) : nil
        try? await subscriber.run(from: start) { update in
            switch update {
            case .connected(let speaksV1):
                logger.info(
                    connectedBefore ? "upstream is back" : "consuming upstream",
                    metadata: ["protocol": "\(url.transport == .sse ? "sse" : speaksV1 ? WireMode.v1Subprotocol : "plain")"]
                )
                connectedBefore = true
                down = false
                links?.set(.connected, for: url)
                if !speaksV1, mode == .mirror { stream.becomeOrigin() }
            case .hello(let epoch, let lastID):
                if mode == .mirror { stream.adoptUpstreamEpoch(epoch, lastID: lastID) }
            case .event(let id, let kind, let payload):
                if mode == .mirror, let id {
                    stream.mirror(Event(id: id, kind: kind, payload: payload))
                } else {
                    _ = try? await stream.append(kind: kind, payload: .bytes(payload))
                }
                links?.countEvent()
            case .gap(let first, let last):
                logger.warning("upstream could not replay some events", metadata: ["first": "\(first)", "last": "\(last)"])
            case .disconnected(let reason):
                links?.set(.reconnecting, for: url, error: reason)
                if down {
                    logger.debug("upstream still unavailable", metadata: ["reason": "\(reason)"])
                } else {
                    logger.warning("upstream unavailable, reconnecting with backoff", metadata: ["reason": "\(reason)"])
                    down = true
                }
            }
            return .proceed
        }
    }
}
