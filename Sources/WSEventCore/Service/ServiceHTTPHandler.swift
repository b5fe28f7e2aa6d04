import NIOCore
import NIOHTTP1

/// Answers every request that did not become a WebSocket: health, refusals with their reason,
/// and the `426` that tells a plain `GET` of a stream how to subscribe.
final class ServiceHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: StreamRegistry

    init(registry: StreamRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let path = RequestTarget(head.uri).path
        if path == "/healthz" {
            guard head.method == .GET || head.method == .HEAD else {
                return respond(context: context, head: head, status: .methodNotAllowed, headers: ["Allow": "GET, HEAD"], body: "use GET\n")
            }
            return respond(context: context, head: head, status: .ok, contentType: "application/json", body: HealthReport(registry: registry).json)
        }
        let isUpgrade = head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
        switch SubscribeRequest.check(head, registry: registry) {
        case .failure(let refusal):
            respond(context: context, head: head, status: refusal.status, headers: refusal.headers, body: refusal.message + "\n", keepAlive: !isUpgrade)
        case .success:
            if isUpgrade {
                // The upgrader refused a request we would accept: its WebSocket headers are bad.
                respond(context: context, head: head, status: .badRequest, body: "invalid WebSocket upgrade request\n", keepAlive: false)
            } else {
                respond(
                    context: context,
                    head: head,
                    status: .upgradeRequired,
                    headers: ["Upgrade": "websocket"],
                    body: """
                        \(path) is an event stream: subscribe with a WebSocket client, e.g. \
                        `wsclient ws://HOST:PORT\(path)` or `websocat ws://HOST:PORT\(path)`

                        """
                )
            }
        }
    }

    private func respond(
        context: ChannelHandlerContext,
        head: HTTPRequestHead,
        status: HTTPResponseStatus,
        headers: HTTPHeaders = [:],
        contentType: String = "text/plain; charset=utf-8",
        body: String,
        keepAlive: Bool = true
    ) {
        HTTPResponseWriter.write(
            context: context,
            version: head.version,
            status: status,
            headers: headers,
            contentType: contentType,
            body: body,
            keepAlive: keepAlive && head.isKeepAlive
        )
    }
}
