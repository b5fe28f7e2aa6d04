import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import WSEventStreams
import WSEventWebSocket

/// Subscribes to a stream over Server-Sent Events (what `wsclient --sse` uses).
public enum SSEClient {
    /// Sends `GET` with `Accept: text/event-stream` and returns the parsed events as they come.
    /// An `https://` (`wss://`) URL is requested over TLS, verified as `tls` says.
    /// - Throws: ``WebSocketError`` for a status other than 200, a failed connect or TLS handshake.
    public static func connect(
        to url: WebSocketURL,
        lastEventID: String?,
        headers: HTTPHeaders = [:],
        tls: ClientTLS = ClientTLS(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> AsyncThrowingStream<SSEParser.Message, any Error> {
        var requestHeaders = headers
        requestHeaders.replaceOrAdd(name: "Accept", value: "text/event-stream")
        if let lastEventID { requestHeaders.replaceOrAdd(name: "Last-Event-ID", value: lastEventID) }
        let context: NIOSSLContext?
        do {
            context = url.isSecure ? try tls.makeContext() : nil
        } catch {
            var wrapped = WebSocketError.tlsFailed(error, url: url)
            wrapped.overHTTP = true
            throw wrapped
        }
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: SSEParser.Message.self)
        let loop = group.next()
        let opened = loop.makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(TimeAmount(TransportTiming.sseConnectTimeout))
            .channelInitializer { [requestHeaders] channel in
                channel.eventLoop.makeCompletedFuture {
                    try ClientTLS.addHandlerIfSecure(context, url: url, to: channel)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        SSEResponseHandler(url: url, headers: requestHeaders, opened: opened, continuation: continuation)
                    )
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: url.host, port: url.port).get()
        } catch {
            var wrapped = WebSocketError.connectFailed(error, url: url)
            wrapped.overHTTP = true
            opened.fail(wrapped)
            throw wrapped
        }
        continuation.onTermination = { _ in channel.close(promise: nil) }
        try await opened.futureResult.get()
        return stream
    }
}

/// Sends the SSE request, checks the status and turns body bytes into parsed events.
final class SSEResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let url: WebSocketURL
    private let headers: HTTPHeaders
    private let opened: EventLoopPromise<Void>
    private let continuation: AsyncThrowingStream<SSEParser.Message, any Error>.Continuation
    private var parser = SSEParser()
    private var refusal: (status: HTTPResponseStatus, body: ByteBuffer)?

    init(
        url: WebSocketURL,
        headers: HTTPHeaders,
        opened: EventLoopPromise<Void>,
        continuation: AsyncThrowingStream<SSEParser.Message, any Error>.Continuation
    ) {
        self.url = url
        self.headers = headers
        self.opened = opened
        self.continuation = continuation
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = self.headers
        headers.replaceOrAdd(name: "Host", value: "\(url.host):\(url.port)")
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.status == .ok {
                opened.succeed()
            } else {
                refusal = (head.status, context.channel.allocator.buffer(capacity: 0))
            }
        case .body(var body):
            if var refusal {
                refusal.body.writeBuffer(&body)
                self.refusal = refusal
            } else {
                for message in parser.feed(body.readableBytesView) { continuation.yield(message) }
            }
        case .end:
            if let refusal {
                var error = WebSocketError(.requestRefused, url: url, refusedStatus: refusal.status, detail: String(buffer: refusal.body))
                error.overHTTP = true
                opened.fail(error)
                continuation.finish(throwing: error)
            } else {
                continuation.finish()
            }
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        var error = WebSocketError(.closedDuringHandshake, url: url)
        error.overHTTP = true
        opened.fail(error)
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        var error = error
        if TLSFailure.isTLS(error) {
            var wrapped = WebSocketError.tlsFailed(error, url: url)
            wrapped.overHTTP = true
            error = wrapped
        }
        opened.fail(error)
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
