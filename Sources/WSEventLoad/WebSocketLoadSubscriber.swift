import NIOCore

/// A WebSocket subscriber that costs the load generator as little as possible: it sends the
/// upgrade request it was given, reads the response's status line, then walks the frames in
/// place (``WebSocketFrameWalker``) and counts each message with one clock reading per read.
/// It answers pings and close frames, and never sends a data frame.
///
/// Works with any RFC 6455 server: wsevent in plain mode, Nchan's websocket subscriber.
final class WebSocketLoadSubscriber: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingResponse
        case open
        case done
    }

    private let request: ByteBuffer
    private let stats: LoopStats
    private let outcome: HandshakeOutcome
    private let closeAfterHandshake: Bool
    private var state = State.awaitingResponse
    private var responseHead = ByteBuffer()
    private var walker = WebSocketFrameWalker()
    private var record: SubscriberRecord?
    /// The header of the message being received in fragments, from its first frame.
    private var messageHeader: PayloadHeader?

    /// - Parameters:
    ///   - request: the complete upgrade request, the same bytes for every subscriber.
    ///   - closeAfterHandshake: close (1000) as soon as the upgrade is answered (handshake rate).
    init(request: ByteBuffer, stats: LoopStats, outcome: HandshakeOutcome, closeAfterHandshake: Bool = false) {
        self.request = request
        self.stats = stats
        self.outcome = outcome
        self.closeAfterHandshake = closeAfterHandshake
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch state {
        case .open:
            frames(context: context, bytes)
        case .awaitingResponse:
            responseHead.writeBuffer(&bytes)
            guard let status = HTTPResponseStatusLine.parse(responseHead) else {
                if responseHead.readableBytes > 16 << 10 { fail(context: context, "no HTTP response head in 16 KiB") }
                return
            }
            guard status.code == 101 else {
                fail(context: context, "\(status.code)")
                return
            }
            state = .open
            outcome.succeed()
            if closeAfterHandshake {
                state = .done
                context.writeAndFlush(wrapOutboundOut(ClientFrame.close()), promise: nil)
                context.close(promise: nil)
                return
            }
            record = stats.register()
            responseHead.moveReaderIndex(forwardBy: status.headLength)
            if responseHead.readableBytes > 0 { frames(context: context, responseHead) }
            responseHead = ByteBuffer()
        case .done:
            break
        }
    }

    private func frames(context: ChannelHandlerContext, _ bytes: ByteBuffer) {
        guard let record else { return }
        let now = NIODeadline.now().uptimeNanoseconds
        do {
            try walker.walk(bytes) { first, payload in
                let fin = first & 0x80 != 0
                switch first & 0x0F {
                case 0x1, 0x2:
                    let header = PayloadHeader.decode(payload)
                    if fin { stats.received(header, by: record, now: now) } else { messageHeader = header }
                case 0x0:
                    if fin {
                        stats.received(messageHeader, by: record, now: now)
                        messageHeader = nil
                    }
                case 0x9:
                    context.write(wrapOutboundOut(ClientFrame.pong(payload)), promise: nil)
                case 0x8:
                    let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : 1005
                    if !stats.closing {
                        record.closeCode = code
                        record.serverClosed("\(code)")
                    }
                    state = .done
                    context.writeAndFlush(wrapOutboundOut(ClientFrame.close(code: code == 1005 ? 1000 : code)), promise: nil)
                    context.close(promise: nil)
                default:
                    break
                }
            }
        } catch {
            record.serverClosed("protocol: \(error)")
            state = .done
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Pongs written while walking a read go out together.
        context.flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .awaitingResponse:
            outcome.fail(.refused("closed before the upgrade answer"))
        case .open:
            if !stats.closing { record?.serverClosed("1006") }
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

    private func fail(context: ChannelHandlerContext, _ reason: String) {
        state = .done
        outcome.fail(.refused(reason))
        context.close(promise: nil)
    }
}
