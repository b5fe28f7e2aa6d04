import NIOCore
import NIOHTTP1
import WSEventStorage
import WSEventTransports

/// Whether a request may subscribe: the checks, each once, then what a subscription that
/// passed them does first (opening its stream, claiming its consumer name). The WebSocket
/// upgrader and the HTTP handler (SSE) both admit with ``admit(_:context:channel:)``.
enum SubscribeAdmission {
    /// The checks that guard reading a stream at all, first of all: `?presence` runs these
    /// alone (``PresenceAdmission``).
    static let readChecks: [AdmissionStep<SubscribeRequest>] = [
        .streamExists,
        .method,
        .origin,
        .wellFormedQuery,
        .subscribeToken,
    ]

    /// The checks, in order: the first refusal is the answer. None has a side effect.
    static let checks: [AdmissionStep<SubscribeRequest>] = readChecks + [
        .streamReady,
        .resumePoint,
        .consumerName,
        .subscribes,
    ]

    /// Runs the checks alone: the request they passed, or the refusal. Changes nothing.
    static func check(_ head: HTTPRequestHead, context: ServiceContext) -> Result<SubscribeRequest, Refusal> {
        var request = SubscribeRequest(head)
        if let refusal = checks.run(on: &request, context: context) { return .failure(refusal) }
        return .success(request)
    }

    /// Runs the checks, then, for a request that passed them all: opens its stream if it has
    /// none yet (`-create-streams`; 503 past `-max-streams`), and claims its consumer name in
    /// the store (409 for a name in use, 503 while the store is away), released when `channel`
    /// closes. Completes on the channel's event loop; without a consumer name, at once.
    static func admit(_ head: HTTPRequestHead, context: ServiceContext, channel: any Channel) -> EventLoopFuture<Result<AdmittedSubscription, Refusal>> {
        let eventLoop = channel.eventLoop
        let request: SubscribeRequest
        switch check(head, context: context) {
        case .success(let checked): request = checked
        case .failure(let refusal): return eventLoop.makeSucceededFuture(.failure(refusal))
        }
        let stream: WireEventStream
        switch context.stream(found: request.stream, at: request.target.path) {
        case .success(let found): stream = found
        case .failure(let refusal): return eventLoop.makeSucceededFuture(.failure(refusal))
        }
        let admitted = AdmittedSubscription(stream: stream, transport: request.transport, resume: request.resume, headers: request.headers)
        let firstMessage = context.configuration.firstMessage
        guard let name = request.consumer, let positions = context.store?.consumers else {
            return eventLoop.makeSucceededFuture(.success(admitted.starting(firstMessage)))
        }
        return ConsumerClaimStep.claim(name, on: stream.path, in: positions, channel: channel).map { claimed in
            claimed.map { lease in
                var admitted = admitted
                admitted.lease = lease
                // An explicit since (or Last-Event-ID) wins over the consumer's stored position.
                admitted.resume = admitted.resume ?? lease.resume
                return admitted.starting(firstMessage)
            }
        }
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
}
