import NIOCore
import NIOHTTP1

/// Sends the SSE request and waits, bounded by the response timeout, for the response head:
/// a 200 succeeds `head` and the body goes on as bytes; any other status fails it with the status
/// and the first KiB of the body (as the WebSocket client keeps of a refused upgrade), and the
/// connection is closed.
final class SSEResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = HTTPClientRequestPart

    /// How much of a refusal's body is kept for the error line.
    static let maxRefusalBody = 1024

    private enum State {
        case awaitingHead
        case streaming
        case refused(HTTPResponseStatus, body: ByteBuffer)
        case done
    }

    private let url: StreamURL
    private let headers: HTTPHeaders
    private let responseTimeout: Duration
    private let head: EventLoopPromise<Void>
    private var state = State.awaitingHead
    private var timeout: Scheduled<Void>?

    init(url: StreamURL, headers: HTTPHeaders, responseTimeout: Duration, head: EventLoopPromise<Void>) {
        self.url = url
        self.headers = headers
        self.responseTimeout = responseTimeout
        self.head = head
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = self.headers
        headers.replaceOrAdd(name: "Host", value: url.address.hostHeader)
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: url.address.target, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: TimeAmount(responseTimeout)) {
            let (handler, context) = loopBound.value
            handler.fail(SSEClientError(.responseTimedOut, url: handler.url), context: context)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let response), .awaitingHead):
            timeout?.cancel()
            if response.status == .ok {
                // As EventSource does: a 200 of anything else is no stream (a page, a JSON
                // answer), and reading it as one would only find no events.
                let type = response.headers.first(name: "Content-Type") ?? ""
                guard type.lowercased().hasPrefix("text/event-stream") else {
                    return fail(SSEClientError(.notAnEventStream, url: url, detail: type.isEmpty ? "no Content-Type" : type), context: context)
                }
                state = .streaming
                head.succeed()
            } else {
                state = .refused(response.status, body: context.channel.allocator.buffer(capacity: 0))
            }
        case (.body(let body), .streaming):
            context.fireChannelRead(wrapInboundOut(body))
        case (.body(var body), .refused(let status, var kept)):
            if let slice = body.readSlice(length: min(body.readableBytes, Self.maxRefusalBody - kept.readableBytes)) {
                kept.writeImmutableBuffer(slice)
            }
            state = .refused(status, body: kept)
            // The first KiB is all the error shows: no need to wait for the rest.
            if kept.readableBytes >= Self.maxRefusalBody { refuse(status, body: kept, context: context) }
        case (.end, .refused(let status, let kept)):
            refuse(status, body: kept, context: context)
        case (.end, .streaming):
            // The server ended the stream: the events end with the connection.
            state = .done
            context.close(promise: nil)
        case (.head, _), (.body, _), (.end, _):
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        if case .awaitingHead = state { fail(SSEClientError(.closedBeforeResponse, url: url), context: context) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let wrapped = SSEClientError.lost(error, url: url)
        switch state {
        case .streaming:
            // The events end with it.
            state = .done
            context.fireErrorCaught(wrapped)
            context.close(promise: nil)
        case .awaitingHead, .refused:
            fail(wrapped, context: context)
        case .done:
            break
        }
    }

    private func refuse(_ status: HTTPResponseStatus, body: ByteBuffer, context: ChannelHandlerContext) {
        fail(SSEClientError(.requestRefused, url: url, refusedStatus: status, detail: String(buffer: body)), context: context)
    }

    /// Fails the request before its stream opened, and closes the connection.
    private func fail(_ error: SSEClientError, context: ChannelHandlerContext) {
        timeout?.cancel()
        state = .done
        head.fail(error)
        context.close(promise: nil)
    }
}
