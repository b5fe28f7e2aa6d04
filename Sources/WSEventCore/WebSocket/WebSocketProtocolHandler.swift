import NIOCore
import NIOWebSocket

/// Sits right after NIO's frame codec and speaks RFC 6455 for the application behind it:
/// reassembles fragments, checks UTF-8 and sizes, answers pings, keeps the peer alive, and does
/// the close handshake both ways. The application sees ``WebSocketInbound`` and writes
/// ``WebSocketOutbound``.
final class WebSocketProtocolHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketInbound
    typealias OutboundIn = WebSocketOutbound
    typealias OutboundOut = WebSocketFrame

    private enum CloseState {
        case open
        /// We sent a close frame and wait for the peer's.
        case closeSent
        /// Both sides have sent close frames, or the connection is gone.
        case closed
    }

    private let isServer: Bool
    private let configuration: WebSocketConfiguration
    private var assembler: MessageAssembler
    private var keepalive: KeepaliveStateMachine?
    private var closeState = CloseState.open
    private var reportedClose = false
    /// The frame encoder's context: pre-encoded frames are written from there, so they skip it.
    private var encoderContext: ChannelHandlerContext?
    private var keepaliveTask: RepeatedTask?
    private var closeTimeoutTask: Scheduled<Void>?

    init(isServer: Bool, configuration: WebSocketConfiguration) {
        self.isServer = isServer
        self.configuration = configuration
        self.assembler = MessageAssembler(maxMessageSize: configuration.maxMessageSize)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        encoderContext = try? context.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        if let interval = configuration.pingInterval {
            keepalive = KeepaliveStateMachine(interval: interval, now: .now())
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            keepaliveTask = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                let (handler, context) = loopBound.value
                handler.keepaliveTick(context: context)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        closeState = .closed
        reportClose(context: context, code: nil)
        context.fireChannelInactive()
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        keepalive?.heardFromPeer(at: .now())
        // Clients must mask, servers must not; no extension is negotiated, so no RSV bits.
        if (isServer && frame.maskKey == nil) || frame.rsv1 || frame.rsv2 || frame.rsv3 {
            return startClose(context: context, code: .protocolError)
        }
        switch frame.opcode {
        case .ping:
            guard closeState == .open else { return }
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: makeMaskKey(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            receivedClose(context: context, frame: frame)
        case .text, .binary, .continuation:
            guard closeState == .open else { return }
            switch assembler.receive(opcode: frame.opcode, fin: frame.fin, data: frame.unmaskedData) {
            case .needMore:
                break
            case .message(let message):
                context.fireChannelRead(wrapInboundOut(.message(message)))
            case .fail(let code, _):
                startClose(context: context, code: code)
            }
        default:
            startClose(context: context, code: .protocolError)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // The server is shutting down: say so with 1001 and let the handshake finish.
            startClose(context: context, code: .goingAway)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let error = error as? NIOWebSocketError else {
            context.fireErrorCaught(error)
            context.close(promise: nil)
            return
        }
        // The decoder cannot go on after an error: send the close frame, stop writing and let
        // the peer close (or the timeout), so it can read our code before the socket goes.
        let code: WebSocketErrorCode = error == .invalidFrameLength ? .messageTooLarge : .protocolError
        startClose(context: context, code: code)
        context.close(mode: .output, promise: nil)
    }

    private func receivedClose(context: ChannelHandlerContext, frame: WebSocketFrame) {
        var data = frame.unmaskedData
        let code = data.readWebSocketErrorCode()
        reportClose(context: context, code: code)
        switch closeState {
        case .open:
            // Echo the peer's code, as RFC 6455 section 5.5.1 suggests, then close.
            closeState = .closed
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.write(webSocketErrorCode: code ?? .normalClosure)
            let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: makeMaskKey(), data: reply)
            context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { [context = NIOLoopBound(context, eventLoop: context.eventLoop)] _ in
                context.value.close(promise: nil)
            }
        case .closeSent:
            closeState = .closed
            context.close(promise: nil)
        case .closed:
            break
        }
    }

    private func reportClose(context: ChannelHandlerContext, code: WebSocketErrorCode?) {
        guard !reportedClose else { return }
        reportedClose = true
        context.fireChannelRead(wrapInboundOut(.closed(code)))
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .message(let message):
            guard closeState == .open else {
                promise?.fail(ChannelError.outputClosed)
                return
            }
            let opcode: WebSocketOpcode = message.kind == .text ? .text : .binary
            let frame = WebSocketFrame(fin: true, opcode: opcode, maskKey: makeMaskKey(), data: message.data)
            context.write(wrapOutboundOut(frame), promise: promise)
        case .encodedFrame(let bytes):
            guard closeState == .open, let encoderContext else {
                promise?.fail(ChannelError.outputClosed)
                return
            }
            encoderContext.write(NIOAny(IOData.byteBuffer(bytes)), promise: promise)
        case .close(let code):
            startClose(context: context, code: code)
            promise?.succeed()
        }
    }

    /// Sends our close frame once and waits a bounded time for the peer's.
    private func startClose(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        guard closeState == .open else { return }
        closeState = .closeSent
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: makeMaskKey(), data: data)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        closeTimeoutTask = context.eventLoop.scheduleTask(in: configuration.closeTimeout) {
            loopBound.value.close(promise: nil)
        }
    }

    private func keepaliveTick(context: ChannelHandlerContext) {
        guard let keepalive, closeState == .open else { return }
        switch keepalive.tick(at: .now()) {
        case .none:
            break
        case .sendPing:
            let ping = WebSocketFrame(fin: true, opcode: .ping, maskKey: makeMaskKey(), data: ByteBuffer())
            context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
        case .closeConnection:
            // The peer stopped answering: nothing would read a close frame, so just drop it.
            closeState = .closed
            context.close(promise: nil)
        }
    }

    private func cancelTimers() {
        keepaliveTask?.cancel()
        keepaliveTask = nil
        closeTimeoutTask?.cancel()
        closeTimeoutTask = nil
    }

    private func makeMaskKey() -> WebSocketMaskingKey? {
        isServer ? nil : .random()
    }
}
