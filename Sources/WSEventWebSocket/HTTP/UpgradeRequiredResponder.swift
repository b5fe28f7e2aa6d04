import NIOCore
import NIOHTTP1

/// Answers every request that is not upgraded on a WebSocket-only server: the refusal of
/// ``WebSocketServer/ShouldUpgrade``, `400` for a WebSocket request with bad headers, `426` for
/// plain HTTP.
final class UpgradeRequiredResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let shouldUpgrade: WebSocketServer.ShouldUpgrade

    init(shouldUpgrade: @escaping WebSocketServer.ShouldUpgrade) {
        self.shouldUpgrade = shouldUpgrade
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let isUpgrade = head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
        let status: HTTPResponseStatus
        var headers: HTTPHeaders = [:]
        let body: String
        switch (isUpgrade, shouldUpgrade(head)) {
        case (true, .refuse(let refusal, let reason)):
            (status, body) = (refusal, reason + "\n")
        case (true, .accept):
            (status, body) = (.badRequest, "invalid WebSocket upgrade request\n")
        case (false, _):
            headers = ["Upgrade": "websocket"]
            (status, body) = (.upgradeRequired, "this is a WebSocket endpoint: connect with a WebSocket client\n")
        }
        HTTPResponseWriter.write(
            context: context,
            version: head.version,
            status: status,
            headers: headers,
            body: body,
            keepAlive: false
        )
    }

    /// NIO's error handler has answered a malformed request with 400; shut the door.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is HTTPParserError { context.close(promise: nil) }
    }
}
