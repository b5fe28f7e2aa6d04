import NIOHTTP1

/// A checked request to subscribe to a stream, or the HTTP answer that refuses it.
/// Both the WebSocket upgrader and the plain HTTP handler decide with this one function.
struct SubscribeRequest {
    struct Refusal: Error {
        var status: HTTPResponseStatus
        var message: String
        var headers: HTTPHeaders = [:]
    }

    var stream: EventStream
    var resume: ResumePoint?

    /// Checks path, method, readiness and the `since`/`epoch` parameters.
    static func check(_ head: HTTPRequestHead, registry: StreamRegistry) -> Result<SubscribeRequest, Refusal> {
        let target = RequestTarget(head.uri)
        guard let stream = registry.stream(at: target.path) else {
            return .failure(Refusal(status: .notFound, message: "no stream at \(target.path)"))
        }
        guard head.method == .GET else {
            return .failure(
                Refusal(
                    status: .methodNotAllowed,
                    message: "\(head.method.rawValue) is not allowed on \(target.path): subscribe with GET",
                    headers: ["Allow": "GET"]
                )
            )
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
        var resume: ResumePoint?
        if let sinceText = target.query["since"] {
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
            resume = ResumePoint(since: since, epoch: epoch)
        }
        return .success(SubscribeRequest(stream: stream, resume: resume))
    }
}
