import NIOHTTP1
import WSEventStreams
import WSEventTransports

/// The checks of a subscribe, one rule each, in the order ``SubscribeAdmission`` runs them (with
/// ``AdmissionStep/origin`` and ``AdmissionStep/wellFormedQuery``, which publishes run too).
extension AdmissionStep where Request == SubscribeRequest {
    /// A stream exists at the path, or `-create-streams` lets one be opened there (404).
    static let streamExists = Self("stream exists") { request, context in
        let path = request.target.path
        request.stream = context.registry.stream(at: path)
        guard request.stream != nil || context.mayOpenStream(at: path) else {
            return Refusal(status: .notFound, message: "no stream at \(path)")
        }
        return nil
    }

    /// Subscribing is a `GET` (405).
    static let method = Self("method") { request, _ in
        guard request.head.method != .GET else { return nil }
        return Refusal(
            status: .methodNotAllowed,
            message: "\(request.head.method.rawValue) is not allowed on \(request.target.path): subscribe with GET, publish with POST",
            headers: ["Allow": "GET, POST, OPTIONS"]
        )
    }

    /// The subscribe token, when the server has one (401): `Authorization: Bearer` or `?token=`.
    static let subscribeToken = Self("subscribe token") { request, context in
        guard let token = context.configuration.subscribeToken else { return nil }
        let presented = BearerToken.parse(authorization: request.head.headers.first(name: "Authorization")) ?? request.target.query["token"]
        guard !BearerToken.matches(presented, token) else { return nil }
        return .unauthorized("subscribing needs the subscribe token: Authorization: Bearer TOKEN, or ?token=TOKEN")
    }

    /// The stream can take subscribers: a relay has reached its upstream, a durable stream its
    /// store (503 with `Retry-After`).
    static let streamReady = Self("stream ready") { request, context in
        guard let stream = request.stream, !stream.isReady else { return nil }
        return Refusal(
            status: .serviceUnavailable,
            message: context.store == nil
                ? "\(stream.path) is a relay that has not reached its upstream yet; retry shortly"
                : "\(stream.path) is kept in a store that has not been reached yet; retry shortly",
            headers: ["Retry-After": "1"],
            reason: .notReady
        )
    }

    /// `Last-Event-ID` or `last_event_id` (SSE), else `since` and `epoch`, are well formed (400).
    static let resumePoint = Self("resume point") { request, _ in
        let head = request.head
        let query = request.target.query
        if let lastEventID = head.headers.first(name: "Last-Event-ID") ?? query["last_event_id"], !lastEventID.isEmpty {
            guard let resume = SSEFormat.resumePoint(lastEventID: lastEventID), resume.since <= Event.maxID else {
                return Refusal(status: .badRequest, message: "Last-Event-ID '\(lastEventID)' is not <epoch>.<id> (an id is at most \(Event.maxID))")
            }
            request.resume = resume
            return nil
        }
        guard let sinceText = query["since"] else { return nil }
        guard let since = UInt64(decimalDigits: sinceText), since <= Event.maxID else {
            return Refusal(status: .badRequest, message: "since must be an event id (decimal digits, 0 to \(Event.maxID)), got '\(sinceText)'")
        }
        var epoch: Epoch?
        if let epochText = query["epoch"] {
            guard let parsed = Epoch(epochText) else {
                return Refusal(status: .badRequest, message: "epoch '\(epochText)' is not a valid epoch")
            }
            epoch = parsed
        }
        request.resume = ResumePoint(since: since, epoch: epoch)
        return nil
    }

    /// A `?consumer=NAME` needs a store that keeps positions, a valid name, and the stream the
    /// store keeps (400).
    static let consumerName = Self("consumer name") { request, context in
        guard let name = request.target.query["consumer"] else { return nil }
        guard let positions = context.store?.consumers else {
            return Refusal(
                status: .badRequest,
                message: "?consumer= needs a store to keep positions in: start the server with -store postgres://USER:PASSWORD@HOST:PORT/DB (or WSEVENT_STORE)"
            )
        }
        if let problem = positions.problem(withName: name) {
            return Refusal(status: .badRequest, message: problem)
        }
        guard let stream = request.stream, stream.source == .store || stream.source == .awaitingUpstream else {
            return Refusal(
                status: .badRequest,
                message: "\(request.target.path) is not kept in the store, so it has no consumer positions: subscribe to -serve-path"
            )
        }
        request.consumer = name
        return nil
    }

    /// The request is a WebSocket upgrade or asks for SSE; a plain `GET` is told how to
    /// subscribe (426). Last, so that such a `GET` has passed every other check, and opens
    /// nothing.
    static let subscribes = Self("subscribes") { request, _ in
        request.transport == .none ? SubscribeAdmission.upgradeRequired(request.target.path) : nil
    }
}
