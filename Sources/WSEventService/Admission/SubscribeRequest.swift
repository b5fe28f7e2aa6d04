import NIOHTTP1
import WSEventStorage
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// A request to subscribe to a stream, as the checks of ``SubscribeAdmission`` read it: its
/// head and target, parsed once, and what the checks found so far.
struct SubscribeRequest: CheckedRequest {
    /// How the client asks to receive the stream.
    enum Transport: Sendable, Equatable {
        /// A WebSocket upgrade, plain or `wsevent.v1`.
        case webSocket(WireMode)
        /// `Accept: text/event-stream`.
        case sse
        /// Neither: a plain `GET`, told how to subscribe (426).
        case none
    }

    let head: HTTPRequestHead
    let target: RequestTarget
    let transport: Transport
    /// The stream at the path, if one exists; `nil` for a path where one may be opened.
    var stream: WireEventStream?
    /// CORS headers for the answer.
    var headers: HTTPHeaders = [:]
    /// `since`/`epoch`, or `Last-Event-ID`/`last_event_id`.
    var resume: ResumePoint?
    /// `?consumer=NAME`: a named consumer whose position the store keeps.
    var consumer: String?

    init(_ head: HTTPRequestHead) {
        self.head = head
        target = RequestTarget(head.uri)
        transport = Self.transport(of: head)
    }

    /// What the client asks for: an upgrade wins over `Accept`.
    static func transport(of head: HTTPRequestHead) -> Transport {
        if head.headers[canonicalForm: "upgrade"].contains(where: { $0.lowercased() == "websocket" }) {
            return .webSocket(WireMode(offeredSubprotocols: WebSocketServerPipeline.offeredSubprotocols(head.headers)))
        }
        if head.headers[canonicalForm: "accept"].contains(where: { $0.lowercased().hasPrefix("text/event-stream") }) {
            return .sse
        }
        return .none
    }
}

/// A subscription that passed admission: the stream, where to start, and the named consumer's
/// claim if it has one.
struct AdmittedSubscription: Sendable {
    var stream: WireEventStream
    var transport: SubscribeRequest.Transport
    /// Where to start: the client's `since` (or `Last-Event-ID`), else where its named consumer
    /// left off, else where `-first-message` starts (``starting(_:)``), else live events only.
    var resume: ResumePoint?
    /// CORS headers for the answer.
    var headers: HTTPHeaders
    /// The named consumer's claim, released when the connection closes.
    var lease: (any ConsumerLease)?

    /// This subscription, starting where `policy` says if it has no resume point of its own.
    ///
    /// The first message is a replay like any resume's, chosen here from the stream's state
    /// now: the subscriber joins a moment later, and gets whatever was published meanwhile
    /// too, after the events chosen, with their ids, so `newest` may bring a few.
    func starting(_ policy: FirstMessage) -> AdmittedSubscription {
        guard resume == nil else { return self }
        var started = self
        started.resume = stream.start(for: policy)
        return started
    }
}
