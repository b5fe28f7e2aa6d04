import NIOCore
import NIOHTTP1
import WSEventWebSocket

/// The whole pipeline of a connection over ``ServiceConfiguration/maxConnections``: it reads the
/// request head (no upgrade is offered) and answers `503` with `Retry-After`, then closes.
/// `GET /livez` still gets its `200`: a full server is alive, and an orchestrator that restarted
/// it for being full would drop every subscriber it has.
final class ConnectionLimitResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data), !answered else { return }
        answered = true
        if head.uri == "/livez", head.method == .GET {
            HTTPResponseWriter.write(context: context, version: head.version, status: .ok, body: "alive\n", keepAlive: false)
            return
        }
        HTTPResponseWriter.write(
            context: context,
            version: head.version,
            status: .serviceUnavailable,
            headers: ["Retry-After": "1"],
            body: "too many connections; retry later\n",
            keepAlive: false
        )
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
