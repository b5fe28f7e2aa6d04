import NIOHTTP1
import WSEventRoles
import WSEventStorage
import WSEventStreams
import WSEventTransports

/// What the request handlers need to decide: the streams and the server's settings.
struct ServiceContext: Sendable {
    let registry: StreamRegistry<EncodedEvent>
    let configuration: ServiceConfiguration
    let upstreams: UpstreamLinks
    /// Whether the server is draining.
    var lifecycle = ServerLifecycle()
    /// What `/metrics` shows.
    var metrics = ServiceMetrics()
    /// The store under the served stream, with ``ServiceConfiguration/store``.
    var store: (any StreamStore)? = nil
    /// The brokers feeding the served stream, with ``ServiceConfiguration/sources``.
    var sources: [any EventSource] = []
    /// The JWT verifier and the backend hook, when configured.
    var authorization = ServiceAuthorization()

    /// CORS answer for a request; a refusal for a disallowed browser origin.
    func cors(_ head: HTTPRequestHead) -> Result<HTTPHeaders, Refusal> {
        switch configuration.cors.decide(origin: head.headers.first(name: "Origin"), host: head.headers.first(name: "Host")) {
        case .notBrowser:
            return .success([:])
        case .allowed(let origin):
            var headers: HTTPHeaders = ["Access-Control-Allow-Origin": origin, "Vary": "Origin"]
            // A token in a cookie goes cross-origin only with credentials allowed, and only to
            // origins listed by name: `*` would hand every site its visitors' streams.
            if configuration.jwt?.cookieName != nil, !configuration.allowedOrigins.contains("*") {
                headers.add(name: "Access-Control-Allow-Credentials", value: "true")
            }
            return .success(headers)
        case .refused(let origin):
            return .failure(
                Refusal(status: .forbidden, message: "origin \(origin) is not allowed: list it in -allowed-origins", reason: .origin)
            )
        }
    }
}
