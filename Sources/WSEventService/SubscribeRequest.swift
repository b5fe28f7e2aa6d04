import NIOHTTP1
import WSEventRoles
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// A checked request to subscribe to a stream, or the refusal. The WebSocket upgrader and the
/// HTTP handler (SSE, and the answer to a refused upgrade) decide with this one function.
struct SubscribeRequest {
    var stream: WireEventStream
    var resume: ResumePoint?
    /// CORS headers for the response.
    var headers: HTTPHeaders

    /// Whether the client asks for Server-Sent Events.
    static func wantsSSE(_ head: HTTPRequestHead) -> Bool {
        head.headers[canonicalForm: "accept"].contains { $0.lowercased().hasPrefix("text/event-stream") }
    }

    /// Checks path, method, origin, query, token, readiness and the resume parameters.
    static func check(_ head: HTTPRequestHead, context: ServiceContext) -> Result<SubscribeRequest, Refusal> {
        let target = RequestTarget(head.uri)
        guard let stream = context.registry.stream(at: target.path) else {
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
        guard stream.isReady else {
            return .failure(
                Refusal(
                    status: .serviceUnavailable,
                    message: "\(target.path) is a relay that has not reached its upstream yet; retry shortly",
                    headers: ["Retry-After": "1"]
                )
            )
        }
        switch resumePoint(head, target: target) {
        case .success(let resume):
            return .success(SubscribeRequest(stream: stream, resume: resume, headers: corsHeaders))
        case .failure(let refusal):
            return .failure(refusal)
        }
    }

    /// `Last-Event-ID` or `last_event_id` (SSE), else `since` and `epoch`.
    private static func resumePoint(_ head: HTTPRequestHead, target: RequestTarget) -> Result<ResumePoint?, Refusal> {
        if let lastEventID = head.headers.first(name: "Last-Event-ID") ?? target.query["last_event_id"], !lastEventID.isEmpty {
            guard let resume = SSEFormat.resumePoint(lastEventID: lastEventID) else {
                return .failure(Refusal(status: .badRequest, message: "Last-Event-ID '\(lastEventID)' is not <epoch>.<id>"))
            }
            return .success(resume)
        }
        guard let sinceText = target.query["since"] else { return .success(nil) }
        guard let since = UInt64(sinceText) else {
            return .failure(Refusal(status: .badRequest, message: "since must be an event id (0 or more), got '\(sinceText)'"))
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
