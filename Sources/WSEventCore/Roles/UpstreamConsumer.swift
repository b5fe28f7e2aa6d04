import Logging
import NIOCore
import NIOPosix

/// Consumes one upstream stream into a local one, reconnecting for ever.
///
/// - In *mirror* mode (a relay) a `wsevent.v1` upstream's ids and epoch are kept, so the relay's
///   subscribers can resume on any relay of the same origin. The first connection asks for
///   `since=0`, which fills the relay's buffer with the upstream's; later ones resume from the
///   last mirrored id. A plain upstream makes the local stream an origin.
/// - In *merge* mode (fan-in, or a producer that also consumes) events are republished with
///   local ids; the upstream position is still tracked so a reconnect loses nothing buffered.
///
/// State changes are logged once each (connected, lost, back), not once per retry.
public struct UpstreamConsumer: Sendable {
    public enum Mode: Sendable {
        case mirror
        case merge
    }

    public let url: WebSocketURL
    public let stream: EventStream
    public let mode: Mode
    let configuration: WebSocketConfiguration
    let group: any EventLoopGroup
    let logger: Logger

    public init(
        url: WebSocketURL,
        stream: EventStream,
        mode: Mode,
        configuration: WebSocketConfiguration = WebSocketConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
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
        var backoff = Backoff()
        var mergePosition: ResumePoint?
        var connectedBefore = false
        var down = false
        while !Task.isCancelled {
            let resume: ResumePoint? =
                switch mode {
                case .mirror: stream.mirrorPosition ?? ResumePoint(since: 0, epoch: nil)
                case .merge: mergePosition
                }
            var target = url
            if let resume {
                var items = [("since", String(resume.since))]
                if let epoch = resume.epoch { items.append(("epoch", epoch.rawValue)) }
                target = url.addingQuery(items)
            }
            let reason: String
            do {
                let connection = try await WebSocketClient.connect(
                    to: target,
                    subprotocols: [WireMode.v1Subprotocol],
                    configuration: configuration,
                    group: group
                )
                let speaksV1 = connection.subprotocol == WireMode.v1Subprotocol
                logger.info(
                    connectedBefore ? "upstream is back" : "consuming upstream",
                    metadata: ["protocol": "\(speaksV1 ? WireMode.v1Subprotocol : "plain")"]
                )
                connectedBefore = true
                down = false
                backoff.reset()
                if !speaksV1, mode == .mirror { stream.becomeOrigin() }
                let code = try await connection.run { inbound, _ in
                    for try await message in inbound {
                        if speaksV1 {
                            receiveV1(message, mergePosition: &mergePosition)
                        } else {
                            _ = try? stream.publish(kind: EventKind(message.kind), payload: message.data)
                        }
                    }
                    return inbound.closeCode
                }
                reason = code.map { "closed by upstream with code \($0.code)" } ?? "connection to upstream lost"
            } catch {
                reason = "\(error)"
            }
            if Task.isCancelled { return }
            if !down {
                logger.warning("upstream unavailable, reconnecting with backoff", metadata: ["reason": "\(reason)"])
                down = true
            } else {
                logger.debug("upstream still unavailable", metadata: ["reason": "\(reason)"])
            }
            do { try await Task.sleep(for: backoff.next()) } catch { return }
        }
    }

    private func receiveV1(_ message: WebSocketMessage, mergePosition: inout ResumePoint?) {
        guard let (header, payload) = V1Header.parse(message.data) else {
            logger.warning("ignoring a message without a wsevent.v1 header")
            return
        }
        switch header {
        case .hello(let epoch, let lastID):
            switch mode {
            case .mirror:
                stream.adoptUpstreamEpoch(epoch)
            case .merge:
                // First contact: start from the live end. A restarted upstream (new epoch): take
                // all it replays, those events are new here.
                if let position = mergePosition, position.epoch == epoch { return }
                mergePosition = ResumePoint(since: mergePosition == nil ? lastID : 0, epoch: epoch)
            }
        case .event(let id):
            let kind = EventKind(message.kind)
            switch mode {
            case .mirror:
                stream.mirror(Event(id: id, kind: kind, payload: payload))
            case .merge:
                guard let position = mergePosition, id > position.since else { return }
                _ = try? stream.publish(kind: kind, payload: payload)
                mergePosition?.since = id
            }
        case .gap(let first, let last):
            logger.warning("upstream could not replay some events", metadata: ["first": "\(first)", "last": "\(last)"])
        }
    }
}

extension EventKind {
    init(_ kind: WebSocketMessage.Kind) {
        self = kind == .text ? .text : .binary
    }
}
