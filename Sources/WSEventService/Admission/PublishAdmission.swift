import NIOHTTP1
import WSEventTransports

/// Whether a request may publish: the checks, each once, then the one side effect of a
/// publish that passed them, opening its stream with `-create-streams`.
enum PublishAdmission {
    /// The checks, in order: the first refusal is the answer. None has a side effect.
    static let checks: [AdmissionStep<PublishRequest>] = [
        .origin,
        .wellFormedQuery,
        .publishToken,
        .streamExists,
        .notPresenceStream,
        .storeReached,
        .streamIsOrigin,
        .declaredSize,
        .expectation,
    ]

    /// Runs the checks, then opens the stream if the path has none yet (503 past `-max-streams`).
    static func admit(_ head: HTTPRequestHead, context: ServiceContext) -> Result<AdmittedPublish, Refusal> {
        var request = PublishRequest(head)
        if let refusal = checks.run(on: &request, context: context) { return .failure(refusal) }
        return context.stream(found: request.stream, at: request.target.path).map { stream in
            AdmittedPublish(stream: stream, kind: request.kind, context: context, headers: request.headers, expectsContinue: request.expectsContinue)
        }
    }
}
