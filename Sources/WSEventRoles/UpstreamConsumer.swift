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
/// Nothing taken from the upstream is dropped. Before each event the consumer waits until the
/// stream has room (``EventStream/waitForRoom()``), and a publish that fails (the store is down)
/// is retried with backoff until it is taken: meanwhile nothing more is read, so the upstream's
/// TCP connection backs up. The resume position moves past an event only once it was taken
/// (``ResumingSubscriber``), so when the upstream gives up on us meanwhile (it closes a slow
/// subscriber, or our keepalive closes a connection we did not read), the reconnect resumes
/// from before the first event not taken: with a `wsevent.v1` upstream nothing is lost while
/// its replay buffer reaches back that far, and a `gap` is logged when it does not. A plain
/// upstream has no ids: what it sent while it was giving up on us is lost, and nobody can tell.
///
/// State changes are logged once each (consuming, lost, back, holding, taking again), not
/// once per retry.
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
        // Merged events get new ids: an upstream's first messages would be published again
        // after each restart. (A mirror starts from `since=0` and so is given none.)
        subscriber.takesFirstMessages = mode == .mirror
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
                await stream.waitForRoom()
                if mode == .mirror, let id {
                    stream.mirror(Event(id: id, kind: kind, payload: payload))
                } else if await !publish(kind: kind, payload: payload) {
                    return .stop
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

    /// Publishes an upstream's event into the stream, retrying with backoff until it is taken;
    /// false only when it never will be (the stream was closed for shutdown, or the task was
    /// cancelled), which ends the consumer.
    private func publish(kind: EventKind, payload: ByteBuffer) async -> Bool {
        var backoff = Backoff(maximum: Self.holdBackoffMaximum)
        var holding = false
        while !Task.isCancelled {
            do {
                try await stream.append(kind: kind, payload: .bytes(payload))
                if holding { logger.info("taking the upstream's events again") }
                return true
            } catch StreamPublishError.full {
                // Room went between the wait and the publish.
                await stream.waitForRoom()
                continue
            } catch StreamPublishError.closed {
                return false
            } catch {
                if !holding {
                    logger.warning(
                        "cannot publish the upstream's events; holding the upstream until they are taken",
                        metadata: ["reason": "\(error)"]
                    )
                    holding = true
                }
                do { try await Task.sleep(for: backoff.next()) } catch { return false }
            }
        }
        return false
    }

    /// The longest wait between two tries of a held event: a store that is back is used again
    /// within about a second.
    static let holdBackoffMaximum: Duration = .seconds(1)
}
