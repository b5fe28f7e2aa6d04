import NIOCore
import NIOHTTP1
import WSEventTransports

/// Whether a request may publish: the checks, each once, then the backend hook (when there is
/// one), then the one side effect of a publish that passed them, opening its stream with
/// `-create-streams`.
enum PublishAdmission {
    /// The checks, in order: the first refusal is the answer. None has a side effect.
    static let checks: [AdmissionStep<PublishRequest>] = [
        .origin,
        .wellFormedQuery,
        .access,
        .streamExists,
        .notPresenceStream,
        .storeReached,
        .streamIsOrigin,
        .declaredSize,
        .expectation,
    ]

    /// Runs the checks alone: the request they passed, or the refusal. Changes nothing.
    static func check(_ head: HTTPRequestHead, context: ServiceContext) -> Result<PublishRequest, Refusal> {
        var request = PublishRequest(head)
        if let refusal = checks.run(on: &request, context: context) { return .failure(refusal) }
        return .success(request)
    }

    /// Runs the checks, then opens the stream if the path has none yet (503 past
    /// `-max-streams`); for a server without a backend hook (or a request in on the static
    /// token), the whole admission.
    static func admit(_ head: HTTPRequestHead, context: ServiceContext) -> Result<AdmittedPublish, Refusal> {
        check(head, context: context).flatMap { open($0, context: context) }
    }

    /// Asked once the checks have passed, before the stream is opened.
    static let question: AdmissionQuestion<PublishRequest> = .backendHook

    /// For a request that passed the checks: the backend's answer, then its stream; `nil` when
    /// there is nothing to ask (``open(_:context:)`` is the rest of the admission). Completes on
    /// the channel's event loop.
    static func ask(_ request: PublishRequest, context: ServiceContext, channel: any Channel) -> EventLoopFuture<Result<AdmittedPublish, Refusal>>? {
        question.ask(request, context, channel).map { answer in
            answer.map { outcome in outcome.flatMap { open($0, context: context) } }
        }
    }

    /// The side effect of a publish that passed: its stream, opened if the path has none.
    static func open(_ request: PublishRequest, context: ServiceContext) -> Result<AdmittedPublish, Refusal> {
        context.stream(found: request.stream, at: request.target.path).map { stream in
            AdmittedPublish(stream: stream, kind: request.kind, context: context, headers: request.headers, expectsContinue: request.expectsContinue)
        }
    }
}
