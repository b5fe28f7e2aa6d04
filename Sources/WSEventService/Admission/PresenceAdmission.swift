import NIOHTTP1

/// `GET /PATH?presence`: how many subscribers the stream at a path has on this instance, by
/// transport, as JSON (``PresenceReport``).
///
/// It runs the subscribe checks that guard reading a stream (it exists or may be opened, `GET`,
/// the origin, the query, the subscribe token), each once, and opens nothing: a topic that
/// `-create-streams` would open but no one has has nobody.
enum PresenceAdmission {
    /// The checks, in order: the first refusal is the answer. None has a side effect. A rule
    /// added there (a token's grants, say) guards presence too.
    static let checks = SubscribeAdmission.readChecks

    /// Whether `head` asks for presence: `?presence` on a request that is neither a WebSocket
    /// upgrade nor an SSE subscription (those subscribe, whatever their query says).
    static func asks(_ head: HTTPRequestHead) -> Bool {
        SubscribeRequest.transport(of: head) == .none && RequestTarget(head.uri).query["presence"] != nil
    }

    /// The JSON answer and its CORS headers, or the refusal.
    static func answer(_ head: HTTPRequestHead, context: ServiceContext) -> Result<(json: String, headers: HTTPHeaders), Refusal> {
        var request = SubscribeRequest(head)
        if let refusal = checks.run(on: &request, context: context) { return .failure(refusal) }
        let report = PresenceReport(path: request.target.path, counts: request.stream?.status.presence ?? [:])
        return .success((report.json, request.headers))
    }
}
