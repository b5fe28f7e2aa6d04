import NIOCore
import NIOHTTP1
import WSEventAuth
import WSEventStreams

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The backend hook's step of a subscribe's admission (``AdmissionQuestion``): asked unless the
/// static token let the request in; notes the backend's grant (an expiry, no history).
extension AdmissionQuestion where Request == SubscribeRequest {
    static let backendHook = Self("backend hook") { request, context, channel in
        let question = BackendCheck.question(
            for: request,
            context: context,
            remoteAddress: channel.remoteAddress,
            resume: request.resume,
            consumer: request.consumer
        )
        return question.map { question in
            BackendCheck.ask(question, context: context, on: channel.eventLoop).map { outcome in
                outcome.map { grant in
                    var request = request
                    request.grant = grant
                    // Removed as idle while the backend thought? Then it is opened again, as
                    // for a first subscriber.
                    request.stream = context.registry.stream(at: request.target.path)
                    return request
                }
            }
        }
    }
}

/// The backend hook's step of a publish's admission (``AdmissionQuestion``): asked unless the
/// static token let the request in.
extension AdmissionQuestion where Request == PublishRequest {
    static let backendHook = Self("backend hook") { request, context, channel in
        let question = BackendCheck.question(for: request, context: context, remoteAddress: channel.remoteAddress)
        return question.map { question in
            BackendCheck.ask(question, context: context, on: channel.eventLoop).map { outcome in
                outcome.map { _ in
                    var request = request
                    // Removed as idle while the backend thought? Then the publish opens it again.
                    request.stream = context.registry.stream(at: request.target.path)
                    return request
                }
            }
        }
    }
}

/// The backend hook (`-authorize-url`): the question a request that passed the checks makes,
/// and what its answer means. Its refusals, and its silence, are the client's answer.
enum BackendCheck {
    /// The question for a request that passed the access step, or `nil` when the hook is not
    /// to be asked (there is none, or the static token let the request in).
    static func question(
        for request: some CheckedRequest,
        context: ServiceContext,
        remoteAddress: SocketAddress?,
        resume: ResumePoint? = nil,
        consumer: String? = nil
    ) -> HookRequest? {
        guard let hook = context.authorization.hook, request.access.asksBackend else { return nil }
        var headers: [String: String] = [:]
        for name in hook.settings.forwardedHeaders {
            let values = request.head.headers[canonicalForm: name]
            if !values.isEmpty { headers[name.lowercased()] = values.joined(separator: name.lowercased() == "cookie" ? "; " : ", ") }
        }
        return HookRequest(
            action: request.action,
            path: request.target.path,
            remoteAddress: remoteAddress?.ipAddress,
            since: resume?.since,
            epoch: resume?.epoch.map { "\($0)" },
            consumer: consumer,
            subject: request.access.token?.subject,
            headers: headers
        )
    }

    /// Asks the hook; the grant, or the refusal. Completes on `eventLoop`.
    static func ask(_ question: HookRequest, context: ServiceContext, on eventLoop: any EventLoop) -> EventLoopFuture<Result<HookGrant, Refusal>> {
        guard let hook = context.authorization.hook else { return eventLoop.makeSucceededFuture(.success(HookGrant())) }
        return hook.authorize(question, on: eventLoop).map { decision in
            switch decision {
            case .allowed(let grant):
                return .success(grant)
            case .denied(let status, let message):
                return .failure(
                    Refusal(
                        status: HTTPResponseStatus(statusCode: status),
                        message: message,
                        headers: status == 401 ? ["WWW-Authenticate": "Bearer"] : [:],
                        reason: .denied,
                        logReason: "the backend answered \(status)"
                    )
                )
            case .unavailable(let why):
                return .failure(
                    Refusal(
                        status: .serviceUnavailable,
                        message: "the authorization backend did not answer; retry shortly",
                        headers: ["Retry-After": "1"],
                        reason: .unavailable,
                        logReason: why
                    )
                )
            }
        }
    }

    /// When an admitted request's authorization ends: the earlier of its token's `exp` and the
    /// backend's expiry, on the event loop's clock; `nil` when neither ends it. A `401` when it
    /// has ended already (the backend took long, or answered with a past expiry).
    static func expiry(token: VerifiedToken?, grant: HookGrant?, now: Date, loopNow: NIODeadline) -> Result<NIODeadline?, Refusal> {
        guard let ends = [token?.expiresAt, grant?.expiresAt].compactMap({ $0 }).min() else { return .success(nil) }
        let left = ends.timeIntervalSince(now)
        guard left > 0 else {
            return .failure(.invalidToken(TokenRejection(.expired, "the authorization ended before the request was served")))
        }
        return .success(loopNow + .nanoseconds(Int64(min(left, 1e9) * 1e9)))
    }
}
