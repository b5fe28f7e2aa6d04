import NIOHTTP1
import WSEventRoles
import WSEventStore
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// A checked request to subscribe to a stream, or the refusal. The WebSocket upgrader and the
/// HTTP handler (SSE, and the answer to a refused upgrade) decide with this one function.
struct SubscribeRequest: Sendable {
    var stream: WireEventStream
    var resume: ResumePoint?
    /// CORS headers for the response.
    var headers: HTTPHeaders
    /// `?consumer=NAME`: a named consumer whose position the store keeps.
    var consumer: String? = nil

    /// Whether the client asks for Server-Sent Events.
    static func wantsSSE(_ head: HTTPRequestHead) -> Bool {
        head.headers[canonicalForm: "accept"].contains { $0.lowercased().hasPrefix("text/event-stream") }
    }

    /// Whether the request would become a subscription (a WebSocket upgrade or SSE), rather
    /// than a plain `GET` that is told how to subscribe.
    static func opensSubscription(_ head: HTTPRequestHead) -> Bool {
        wantsSSE(head) || head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
    }

    /// The `426` answer to a plain `GET` of a stream path: how to subscribe.
    static func upgradeRequired(_ path: String) -> Refusal {
        Refusal(
            status: .upgradeRequired,
            message: """
                \(path) is an event stream: subscribe with a WebSocket client (`wsclient ws://HOST:PORT\(path)`), \
                or with Server-Sent Events (Accept: text/event-stream, e.g. `curl -N -H 'Accept: text/event-stream' http://HOST:PORT\(path)`)
                """,
            headers: ["Upgrade": "websocket"]
        )
    }

    /// Checks path, method, origin, query, token, readiness and the resume parameters; with
    /// `-create-streams`, opens the stream if the request passed them all and subscribes.
    static func check(_ head: HTTPRequestHead, context: ServiceContext) -> Result<SubscribeRequest, Refusal> {
        let target = RequestTarget(head.uri)
        let existing = context.registry.stream(at: target.path)
        guard existing != nil || context.mayOpenStream(at: target.path) else {
            return .failure(Refusal(status: .notFound, message: "no stream at \(target.path)"))
        }
        guard head.method == .GET else {
            return .failure(
                Refusal(
                    status: .methodNotAllowed,
                    message: "\(head.method.rawValue) is not allowed on \(target.path): subscribe with GET, publish with POST",
                    headers: ["Allow": "GET, POST, OPTIONS"]
                )
            )
        }
        let corsHeaders: HTTPHeaders
        switch context.cors(head) {
        case .success(let headers): corsHeaders = headers
        case .failure(let refusal): return .failure(refusal)
        }
        // Before the token: a `token` that does not decode is a bad request, not a wrong token.
        if let malformed = target.malformed { return .failure(.malformed(malformed)) }
        if let token = context.configuration.subscribeToken {
            let presented = BearerToken.parse(authorization: head.headers.first(name: "Authorization")) ?? target.query["token"]
            guard BearerToken.matches(presented, token) else {
                return .failure(.unauthorized("subscribing needs the subscribe token: Authorization: Bearer TOKEN, or ?token=TOKEN"))
            }
        }
        if let existing, !existing.isReady {
            return .failure(
                Refusal(
                    status: .serviceUnavailable,
                    message: context.store == nil
                        ? "\(target.path) is a relay that has not reached its upstream yet; retry shortly"
                        : "\(target.path) is kept in a store that has not been reached yet; retry shortly",
                    headers: ["Retry-After": "1"],
                    reason: .notReady
                )
            )
        }
        let resume: ResumePoint?
        switch resumePoint(head, target: target) {
        case .success(let point): resume = point
        case .failure(let refusal): return .failure(refusal)
        }
        let consumer = target.query["consumer"]
        if let consumer {
            if let refusal = checkConsumer(consumer, stream: existing, path: target.path, context: context) { return .failure(refusal) }
        }
        if let existing {
            return .success(SubscribeRequest(stream: existing, resume: resume, headers: corsHeaders, consumer: consumer))
        }
        // Last, so that only a request that will subscribe opens a stream (and counts against
        // -max-streams): a plain GET is told how to subscribe, and opens nothing.
        guard opensSubscription(head) else { return .failure(upgradeRequired(target.path)) }
        return context.openStream(at: target.path).map { SubscribeRequest(stream: $0, resume: resume, headers: corsHeaders) }
    }

    /// A `?consumer=NAME` needs a store, a valid name and a durable stream.
    private static func checkConsumer(_ name: String, stream: WireEventStream?, path: String, context: ServiceContext) -> Refusal? {
        guard context.store != nil else {
            return Refusal(
                status: .badRequest,
                message: "?consumer= needs a store to keep positions in: start the server with -store postgres://USER:PASSWORD@HOST:PORT/DB (or WSEVENT_STORE)"
            )
        }
        guard ConsumerCursors.isValidName(name) else {
            return Refusal(status: .badRequest, message: "consumer '\(name)' is not a valid name: 1 to 128 characters of A-Z a-z 0-9 . _ : -")
        }
        guard let stream, stream.source == .store || stream.source == .awaitingUpstream else {
            return Refusal(status: .badRequest, message: "\(path) is not kept in the store, so it has no consumer positions: subscribe to -serve-path")
        }
        return nil
    }

    /// `Last-Event-ID` or `last_event_id` (SSE), else `since` and `epoch`.
    private static func resumePoint(_ head: HTTPRequestHead, target: RequestTarget) -> Result<ResumePoint?, Refusal> {
        if let lastEventID = head.headers.first(name: "Last-Event-ID") ?? target.query["last_event_id"], !lastEventID.isEmpty {
            guard let resume = SSEFormat.resumePoint(lastEventID: lastEventID), resume.since <= Event.maxID else {
                return .failure(Refusal(status: .badRequest, message: "Last-Event-ID '\(lastEventID)' is not <epoch>.<id> (an id is at most \(Event.maxID))"))
            }
            return .success(resume)
        }
        guard let sinceText = target.query["since"] else { return .success(nil) }
        guard let since = UInt64(sinceText), since <= Event.maxID else {
            return .failure(Refusal(status: .badRequest, message: "since must be an event id (0 to \(Event.maxID)), got '\(sinceText)'"))
        }
        var epoch: Epoch?
        if let epochText = target.query["epoch"] {
            guard let parsed = Epoch(epochText) else {
                return .failure(Refusal(status: .badRequest, message: "epoch '\(epochText)' is not a valid epoch"))
            }
            epoch = parsed
        }
        return .success(ResumePoint(since: since, epoch: epoch))
    }
}
