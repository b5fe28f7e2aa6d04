import NIOCore
import NIOHTTP1
import WSEventRoles
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// A checked `POST /<path>`: where the body goes and as what kind of event, or the refusal.
struct PublishRequest: Sendable {
    var stream: WireEventStream
    var kind: EventKind
    /// To reopen the stream if it was removed as idle while the body was read.
    var context: ServiceContext
    /// CORS headers for the response.
    var headers: HTTPHeaders
    /// The client sent `Expect: 100-continue` and waits for `100 Continue` before the body.
    var expectsContinue: Bool

    /// Checks origin, query, token, stream, declared size and `Expect`; creates the stream if
    /// allowed.
    static func check(_ head: HTTPRequestHead, context: ServiceContext) -> Result<PublishRequest, Refusal> {
        let target = RequestTarget(head.uri)
        let configuration = context.configuration
        let corsHeaders: HTTPHeaders
        switch context.cors(head) {
        case .success(let headers): corsHeaders = headers
        case .failure(let refusal): return .failure(refusal)
        }
        // A publish reads no parameter today, but one that does not decode is refused here as
        // in a subscribe, so that no parameter added later can be silently dropped.
        if let malformed = target.malformed { return .failure(.malformed(malformed)) }
        guard let token = configuration.publishToken else {
            return .failure(
                Refusal(
                    status: .forbidden,
                    message: "publishing is off: start the server with -publish-token TOKEN (or WSEVENT_PUBLISH_TOKEN) and send Authorization: Bearer TOKEN",
                    reason: .token
                )
            )
        }
        guard BearerToken.matches(BearerToken.parse(authorization: head.headers.first(name: "Authorization")), token) else {
            return .failure(.unauthorized("publishing needs Authorization: Bearer <the -publish-token>"))
        }
        let stream: WireEventStream
        if let existing = context.registry.stream(at: target.path) {
            stream = existing
        } else if context.mayOpenStream(at: target.path) {
            switch context.openStream(at: target.path) {
            case .success(let opened): stream = opened
            case .failure(let refusal): return .failure(refusal)
            }
        } else {
            return .failure(Refusal(status: .notFound, message: "no stream at \(target.path) (-create-streams lets a publish create one)"))
        }
        if stream.source == .awaitingUpstream, context.store != nil {
            return .failure(
                Refusal(
                    status: .serviceUnavailable,
                    message: "\(target.path) has not reached its store yet; retry shortly",
                    headers: ["Retry-After": "1"],
                    reason: .store
                )
            )
        }
        guard stream.source == .origin || stream.source == .store else {
            let origin = configuration.upstreams.first.map { " from \($0)" } ?? ""
            return .failure(
                Refusal(status: .conflict, message: "\(target.path) relays its events\(origin): publish at the origin, whose ids these are")
            )
        }
        if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > configuration.maxMessageSize {
            return .failure(tooLarge(configuration.maxMessageSize))
        }
        // Last, so that a client waiting for `100 Continue` hears any other refusal first.
        let expectsContinue: Bool
        switch expectation(head) {
        case .success(let expects): expectsContinue = expects
        case .failure(let refusal): return .failure(refusal)
        }
        let contentType = head.headers.first(name: "Content-Type")?.lowercased() ?? ""
        let kind: EventKind = contentType.hasPrefix("text/") ? .text : .binary
        return .success(PublishRequest(stream: stream, kind: kind, context: context, headers: corsHeaders, expectsContinue: expectsContinue))
    }

    /// Whether the request expects `100 Continue`; `417` for an expectation we cannot meet
    /// (RFC 9110 §10.1.1). An HTTP/1.0 request's `Expect` is ignored, as that RFC asks: such a
    /// client does not know `100 Continue`.
    private static func expectation(_ head: HTTPRequestHead) -> Result<Bool, Refusal> {
        guard head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1) else { return .success(false) }
        let expected = head.headers[canonicalForm: "expect"]
        guard !expected.isEmpty else { return .success(false) }
        guard let other = expected.first(where: { $0.lowercased() != "100-continue" }) else { return .success(true) }
        return .failure(Refusal(status: .expectationFailed, message: "Expect: \(other) cannot be met: only 100-continue is supported"))
    }

    static func tooLarge(_ limit: Int) -> Refusal {
        Refusal(status: .payloadTooLarge, message: "the body is over -max-message-size (\(limit) bytes)")
    }

    /// A text body must be UTF-8.
    private func validate(_ body: ByteBuffer) -> Refusal? {
        guard kind == .text, !body.isValidUTF8 else { return nil }
        return Refusal(status: .badRequest, message: "the body is not valid UTF-8, but its Content-Type is text/*")
    }

    /// The answer to a publish that took: its id and epoch.
    static func answer(id: UInt64, epoch: Epoch) -> String {
        "{\"id\":\(id),\"epoch\":\"\(epoch)\"}\n"
    }

    /// Publishes the complete body to a durable stream's store; answers once it is committed.
    /// While the store cannot be reached: 503 with Retry-After, and nothing acknowledged.
    func publish(_ body: ByteBuffer, to log: any DurableLog) async -> Result<String, Refusal> {
        if let refusal = validate(body) { return .failure(refusal) }
        // The log's events come back through the stream: take none while it is overloaded.
        guard stream.takesPublishes else { return .failure(.full(stream.path)) }
        do {
            let (id, epoch) = try await log.append(kind: kind, payload: .bytes(body))
            return .success(Self.answer(id: id, epoch: epoch))
        } catch {
            return .failure(.storeUnavailable(error, doing: "the event was not acknowledged"))
        }
    }

    /// Publishes the complete body; the JSON answer or the refusal.
    func publish(_ body: ByteBuffer) -> Result<String, Refusal> {
        if let refusal = validate(body) { return .failure(refusal) }
        var target = stream
        // Twice at most: a stream opened on demand may have been removed as idle while the
        // body was on its way (it had no subscriber, or it would not have been); the event
        // then opens the path's stream again, as a publish to an unknown path would.
        for _ in 0..<2 {
            do {
                let (id, epoch) = try target.publish(kind: kind, payload: body)
                return .success(Self.answer(id: id, epoch: epoch))
            } catch StreamPublishError.closed {
                return .failure(
                    Refusal(status: .serviceUnavailable, message: "the server is shutting down; publish again elsewhere", headers: ["Retry-After": "1"])
                )
            } catch StreamPublishError.full {
                return .failure(.full(target.path))
            } catch StreamPublishError.idsExhausted {
                return .failure(.idsExhausted(target.path))
            } catch StreamPublishError.removed {
                switch context.openStream(at: target.path) {
                case .success(let reopened): target = reopened
                case .failure(let refusal): return .failure(refusal)
                }
            } catch {
                return .failure(Refusal(status: .conflict, message: "\(stream.path) relays its events: publish at the origin"))
            }
        }
        return .failure(Refusal(status: .serviceUnavailable, message: "\(stream.path) was removed as idle twice during this publish; retry"))
    }
}
