import NIOCore
import NIOHTTP1

/// An SSE (EventSource) subscriber for load: sends `GET` with `Accept: text/event-stream` over
/// NIO's HTTP/1.1 client codec (which takes chunked encoding off), then scans the body for
/// events in place (``SSEEventScanner``), with one clock reading per body part.
///
/// Works with any EventSource server: wsevent, Nchan's eventsource subscriber.
final class SSELoadSubscriber: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        case awaitingResponse
        case open
        case done
    }

    private let head: HTTPRequestHead
    private let stats: LoopStats
    private let outcome: HandshakeOutcome
    private let closeAfterHandshake: Bool
    private var state = State.awaitingResponse
    private var scanner = SSEEventScanner()
    private var record: SubscriberRecord?

    init(head: HTTPRequestHead, stats: LoopStats, outcome: HandshakeOutcome, closeAfterHandshake: Bool = false) {
        self.head = head
        self.stats = stats
        self.outcome = outcome
        self.closeAfterHandshake = closeAfterHandshake
    }

    /// The request an SSE subscriber sends to `url`.
    static func requestHead(for url: LoadURL) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: url.hostHeader)
        headers.add(name: "Accept", value: "text/event-stream")
        headers.add(name: "Cache-Control", value: "no-cache")
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: url.target, headers: headers)
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let response), .awaitingResponse):
            guard response.status == .ok else {
                state = .done
                outcome.fail(.refused("\(response.status.code)"))
                context.close(promise: nil)
                return
            }
            state = .open
            outcome.succeed()
            if closeAfterHandshake {
                state = .done
                context.close(promise: nil)
                return
            }
            record = stats.register()
        case (.body(let bytes), .open):
            guard let record else { return }
            let now = NIODeadline.now().uptimeNanoseconds
            do {
                try scanner.scan(bytes) { header in stats.received(header, by: record, now: now) }
            } catch {
                record.serverClosed("protocol: \(error)")
                state = .done
                context.close(promise: nil)
            }
        case (.end, .open):
            if !stats.closing { record?.serverClosed("end") }
            state = .done
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .awaitingResponse:
            outcome.fail(.refused("closed before the response"))
        case .open:
            if !stats.closing { record?.serverClosed("eof") }
        case .done:
            break
        }
        state = .done
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if state == .awaitingResponse { outcome.fail(.refused("\(error)")) }
        context.close(promise: nil)
    }
}
