import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import WSEventCore

/// One `GET` over TLS, answered in full: how a test checks that `https://` is served.
public enum HTTPSGet {
    /// Requests `path` from the server of `url` (an `https://` or `wss://` URL), verifying its
    /// certificate as `tls` says (against its IP address: tests serve 127.0.0.1); the status and
    /// body, within `timeout` seconds.
    public static func fetch(_ path: String, from url: WebSocketURL, tls: ClientTLS, timeout: Double = 20) async throws -> (status: Int, body: String) {
        let context = try tls.makeContext()
        let answer = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: (Int, String).self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(host: url.host, path: path, answer: answer))
                }
            }
            .connect(host: url.host, port: url.port).get()
        defer { channel.close(promise: nil) }
        return try await withTimeout(timeout, "GET \(path) over TLS") {
            let (status, body) = try await answer.futureResult.get()
            return (status, body)
        }
    }
}

/// Sends the request once active and completes `answer` with the whole response.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let host: String
    private let path: String
    private let answer: EventLoopPromise<(Int, String)>
    private var status = 0
    private var body = ""

    init(host: String, path: String, answer: EventLoopPromise<(Int, String)>) {
        self.host = host
        self.path = path
        self.answer = answer
    }

    func channelActive(context: ChannelHandlerContext) {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: ["Host": host, "Connection": "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = Int(head.status.code)
        case .body(let bytes): body += String(buffer: bytes)
        case .end: answer.succeed((status, body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        answer.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        answer.fail(error)
        context.close(promise: nil)
    }
}
