import NIOHTTP1
import WSEventStreams

/// The checks of a publish, one rule each, in the order ``PublishAdmission`` runs them (with
/// ``AdmissionStep/origin`` and ``AdmissionStep/wellFormedQuery``, which subscribes run too).
extension AdmissionStep where Request == PublishRequest {
    /// Publishing is on (403) and the request carries the publish token (401).
    static let publishToken = Self("publish token") { request, context in
        guard let token = context.configuration.publishToken else {
            return Refusal(
                status: .forbidden,
                message: "publishing is off: start the server with -publish-token TOKEN (or WSEVENT_PUBLISH_TOKEN) and send Authorization: Bearer TOKEN",
                reason: .token
            )
        }
        guard !BearerToken.matches(BearerToken.parse(authorization: request.head.headers.first(name: "Authorization")), token) else {
            return nil
        }
        return .unauthorized("publishing needs Authorization: Bearer <the -publish-token>")
    }

    /// A stream exists at the path, or `-create-streams` lets the publish open one (404).
    static let streamExists = Self("stream exists") { request, context in
        let path = request.target.path
        request.stream = context.registry.stream(at: path)
        guard request.stream == nil, !context.mayOpenStream(at: path) else { return nil }
        return Refusal(status: .notFound, message: "no stream at \(path) (-create-streams lets a publish create one)")
    }

    /// The stream is not the presence stream, which only the server writes (409).
    static let notPresenceStream = Self("not the presence stream") { request, context in
        guard context.configuration.presenceStream, request.target.path == PresenceFeed.path else { return nil }
        return Refusal(status: .conflict, message: "\(PresenceFeed.path) carries the server's own subscriber joins and leaves: publish elsewhere")
    }

    /// A durable stream has reached its store (503 with `Retry-After`).
    static let storeReached = Self("store reached") { request, context in
        guard let stream = request.stream, stream.source == .awaitingUpstream, context.store != nil else { return nil }
        return Refusal(
            status: .serviceUnavailable,
            message: "\(stream.path) has not reached its store yet; retry shortly",
            headers: ["Retry-After": "1"],
            reason: .store
        )
    }

    /// The stream is an origin: a relay's ids belong to its upstream (409).
    static let streamIsOrigin = Self("stream is an origin") { request, context in
        guard let stream = request.stream, stream.source != .origin, stream.source != .store else { return nil }
        let origin = context.configuration.upstreams.first.map { " from \($0)" } ?? ""
        return Refusal(status: .conflict, message: "\(stream.path) relays its events\(origin): publish at the origin, whose ids these are")
    }

    /// A declared body is within `-max-message-size` (413).
    static let declaredSize = Self("declared size") { request, context in
        let limit = context.configuration.maxMessageSize
        guard let length = request.head.headers.first(name: "Content-Length").flatMap(Int.init), length > limit else { return nil }
        return AdmittedPublish.tooLarge(limit)
    }

    /// Whether the request expects `100 Continue`; `417` for an expectation we cannot meet
    /// (RFC 9110 §10.1.1). An HTTP/1.0 request's `Expect` is ignored, as that RFC asks: such a
    /// client does not know `100 Continue`. Last, so that a client waiting for `100 Continue`
    /// hears any other refusal first.
    static let expectation = Self("expectation") { request, _ in
        let version = request.head.version
        guard version.major > 1 || (version.major == 1 && version.minor >= 1) else { return nil }
        let expected = request.head.headers[canonicalForm: "expect"]
        guard !expected.isEmpty else { return nil }
        if let other = expected.first(where: { $0.lowercased() != "100-continue" }) {
            return Refusal(status: .expectationFailed, message: "Expect: \(other) cannot be met: only 100-continue is supported")
        }
        request.expectsContinue = true
        return nil
    }
}
