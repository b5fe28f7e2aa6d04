import NIOHTTP1

/// One check a request passes before it is let in: it refuses (the status and one line why),
/// or it passes, perhaps having noted what it found on the request for the steps after it.
///
/// Admission is a list of such steps, run in order, each once; the first refusal ends it. A step
/// has no side effect, so a request refused at any step has changed nothing: what a request
/// that passed them all then does (opening a stream, claiming a consumer name) happens after
/// the last step (``SubscribeAdmission``, ``PublishAdmission``). A new rule is one more step.
struct AdmissionStep<Request>: Sendable {
    /// What the step checks, for tests and logs.
    let name: String
    let check: @Sendable (inout Request, ServiceContext) -> Refusal?

    init(_ name: String, _ check: @escaping @Sendable (inout Request, ServiceContext) -> Refusal?) {
        self.name = name
        self.check = check
    }
}

extension Array {
    /// Runs the steps on `request` in order; the first refusal, or `nil` when all passed.
    func run<Request>(on request: inout Request, context: ServiceContext) -> Refusal? where Element == AdmissionStep<Request> {
        for step in self {
            if let refusal = step.check(&request, context) { return refusal }
        }
        return nil
    }
}

/// What every request that admission checks has: its head, its target parsed once, and the CORS
/// headers its answer carries.
protocol CheckedRequest: Sendable {
    var head: HTTPRequestHead { get }
    var target: RequestTarget { get }
    var headers: HTTPHeaders { get set }
}

/// The checks every admission runs, subscribe and publish alike.
extension AdmissionStep where Request: CheckedRequest {
    /// A browser page's origin is allowed (403); notes the CORS headers.
    static var origin: Self {
        Self("origin") { request, context in
            switch context.cors(request.head) {
            case .success(let headers):
                request.headers = headers
                return nil
            case .failure(let refusal):
                return refusal
            }
        }
    }

    /// Every query parameter decodes (400): one that does not is refused rather than read as
    /// if it were absent, which for `since` would skip events without a gap.
    static var wellFormedQuery: Self {
        Self("well-formed query") { request, _ in
            request.target.malformed.map(Refusal.malformed)
        }
    }
}
