import NIOCore
import NIOHTTP1

/// Sends the client's upgrade request and, if the server answers with anything but 101,
/// reads that response so the caller can say "404 Not Found" instead of a bare error.
/// NIO's client upgrader handles a 101 itself and removes this handler with the HTTP codec.
///
/// Whatever the server does instead (nothing, a response that never ends, such as an event
/// stream), the upgrade fails once `timeout` has passed since the connection opened.
final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let url: WebSocketURL
    private let headers: HTTPHeaders
    private let upgraded: EventLoopPromise<WebSocketConnection>
    private let timeoutAfter: Duration
    private var refusal: (status: HTTPResponseStatus, body: ByteBuffer)?
    private var timeout: Scheduled<Void>?

    init(url: WebSocketURL, headers: HTTPHeaders, timeout: Duration, upgraded: EventLoopPromise<WebSocketConnection>) {
        self.url = url
        self.headers = headers
        self.timeoutAfter = timeout
        self.upgraded = upgraded
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = self.headers
        headers.replaceOrAdd(name: "Host", value: url.hostHeader)
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        let (url, upgraded) = (self.url, self.upgraded)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: TimeAmount(timeoutAfter)) {
            upgraded.fail(WebSocketError(.handshakeTimedOut, url: url))
            loopBound.value.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeout?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            refusal = (head.status, context.channel.allocator.buffer(capacity: 0))
        case .body(var body):
            if var refusal, refusal.body.readableBytes < 1024 {
                refusal.body.writeBuffer(&body)
                self.refusal = refusal
            }
        case .end:
            guard let refusal else { return }
            let error = WebSocketError(.upgradeRefused, url: url, refusedStatus: refusal.status, detail: String(buffer: refusal.body))
            upgraded.fail(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        upgraded.fail(WebSocketError(.closedDuringHandshake, url: url))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        upgraded.fail(TLSFailure.isTLS(error) ? WebSocketError.tlsFailed(error, url: url) : error)
        context.close(promise: nil)
    }
}
