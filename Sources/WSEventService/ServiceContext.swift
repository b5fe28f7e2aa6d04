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

    /// CORS answer for a request; a refusal for a disallowed browser origin.
    func cors(_ head: HTTPRequestHead) -> Result<HTTPHeaders, Refusal> {
        switch configuration.cors.decide(origin: head.headers.first(name: "Origin"), host: head.headers.first(name: "Host")) {
        case .notBrowser:
            return .success([:])
        case .allowed(let origin):
            return .success(["Access-Control-Allow-Origin": origin, "Vary": "Origin"])
        case .refused(let origin):
            return .failure(
                Refusal(status: .forbidden, message: "origin \(origin) is not allowed: list it in -allowed-origins", reason: .origin)
            )
        }
    }
}
