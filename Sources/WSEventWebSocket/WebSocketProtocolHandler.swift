import NIOCore
import NIOWebSocket

/// Speaks RFC 6455 for the application behind it: reassembles fragments, checks UTF-8 and sizes,
/// answers pings, keeps the peer alive, and does the close handshake both ways. The application
/// sees ``WebSocketInbound`` and writes ``WebSocketOutbound``.
///
/// Where it sits: on a server (``WebSocketUpgrader``) right after a ``WebSocketFrameReader``,
/// with no frame encoder at all: this handler writes its frames' bytes itself (unmasked, and
/// pre-encoded ones as they are). On a client, after the frame decoder and encoder that NIO's
/// client upgrader installs, which mask what it writes.
///
/// The decisions live in value types beside it: ``MessageAssembler`` (fragments, UTF-8, size),
/// ``KeepaliveStateMachine`` (when to ping, when to give up) and ``CloseHandshake`` (which close
/// frame, when the TCP connection goes). This class only performs what they decide, on the
/// channel's event loop.
final class WebSocketProtocolHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketInbound
    typealias OutboundIn = WebSocketOutbound
    typealias OutboundOut = WebSocketFrame

    private let isServer: Bool
    /// What this handler needs of its configuration, not all of it: every upgraded connection
    /// keeps one, so its size counts (a `WebSocketConfiguration` also carries a client's TLS).
    private let closeTimeout: TimeAmount
    private let fragmentTimeout: Duration?
    private let keepaliveTimes: (ping: TimeAmount, pong: TimeAmount)?
    private var assembler: MessageAssembler
    private var keepalive: KeepaliveStateMachine?
    private var handshake = CloseHandshake()
    private var reportedEnding = false
    /// Where pre-encoded frames are written from: the frame encoder's context, so they skip it,
    /// or, when this handler encodes its frames itself, the frame reader's just before it.
    private var encoderContext: ChannelHandlerContext?
    /// A callback, not a `scheduleTask`: no promise and closure to allocate per connection.
    private var keepaliveTimer: NIOScheduledCallback?
    /// This handler's context, for the keepalive callback (set while it is scheduled).
    private var keepaliveContext: ChannelHandlerContext?
    /// State most connections never use, made on first use (see ``Seldom``).
    private var seldomState: Seldom?

    /// How the connection ended, reported to the application once.
    private var ending: WebSocketEnding {
        get { seldomState?.ending ?? WebSocketEnding() }
        set { seldom.ending = newValue }
    }
    /// Pings the application sent and awaits, oldest first, by the payload they carry.
    private var pingsAwaitingPong: [(id: UInt64, promise: EventLoopPromise<Void>)] {
        get { seldomState?.pingsAwaitingPong ?? [] }
        set { if seldomState != nil || !newValue.isEmpty { seldom.pingsAwaitingPong = newValue } }
    }
    private var lastPingID: UInt64 {
        get { seldomState?.lastPingID ?? 0 }
        set { seldom.lastPingID = newValue }
    }
    private var closeTimer: Scheduled<Void>? {
        get { seldomState?.closeTimer }
        set { if seldomState != nil || newValue != nil { seldom.closeTimer = newValue } }
    }
    /// The latest ping not answered yet because the channel was not writable.
    private var deferredPong: ByteBuffer? {
        get { seldomState?.deferredPong }
        set { if seldomState != nil || newValue != nil { seldom.deferredPong = newValue } }
    }
    /// Runs from a fragmented message's first frame to its last (``WebSocketConfiguration/fragmentTimeout``).
    private var fragmentTimer: Scheduled<Void>? {
        get { seldomState?.fragmentTimer }
        set { if seldomState != nil || newValue != nil { seldom.fragmentTimer = newValue } }
    }
    private var seldom: Seldom {
        if let seldomState { return seldomState }
        let made = Seldom()
        seldomState = made
        return made
    }

    /// Writes frames as bytes (see ``outbound(_:_:)``) instead of to NIO's frame encoder.
    private let encodesFrames: Bool

    /// - Parameter encodesFrames: a server pipeline without NIO's `WebSocketFrameEncoder`
    ///   (``WebSocketUpgrader``): this handler writes its frames' bytes itself.
    init(isServer: Bool, configuration: WebSocketConfiguration, encodesFrames: Bool = false) {
        precondition(isServer || !encodesFrames, "client frames are masked: NIO's encoder writes them")
        self.isServer = isServer
        self.encodesFrames = encodesFrames
        self.closeTimeout = TimeAmount(configuration.closeTimeout)
        self.fragmentTimeout = configuration.fragmentTimeout
        self.keepaliveTimes = configuration.pingInterval.map { (TimeAmount($0), TimeAmount(configuration.pongTimeout)) }
        self.assembler = MessageAssembler(maxMessageSize: configuration.maxMessageSize)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if encodesFrames {
            // WebSocketUpgrader puts the reader right before this handler, and it is inbound
            // only: pre-encoded frames written from its context go straight below it, one
            // context hop less per write and flush than from this handler's own.
            encoderContext = (try? context.pipeline.syncOperations.context(handlerType: WebSocketFrameReader.self)) ?? context
        } else {
            encoderContext = try? context.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        }
        if let keepaliveTimes {
            keepalive = KeepaliveStateMachine(
                pingInterval: keepaliveTimes.ping,
                pongTimeout: keepaliveTimes.pong,
                now: context.eventLoop.now
            )
            scheduleKeepalive(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        encoderContext = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        if ending.peerClose == nil, ending.error == nil { ending.error = .lost(nil) }
        handshake.connectionClosed()
        failPings()
        reportEnding(context: context)
        context.fireChannelInactive()
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        heardFromPeer(context: context)
        // Clients must mask, servers must not; no extension is negotiated, so no RSV bits.
        if isServer, frame.maskKey == nil {
            return fail(context: context, .violation(.protocolError, "an unmasked frame"))
        }
        if !isServer, frame.maskKey != nil {
            return fail(context: context, .violation(.protocolError, "a masked frame"))
        }
        if frame.rsv1 || frame.rsv2 || frame.rsv3 {
            return fail(context: context, .violation(.protocolError, "a frame with reserved bits set"))
        }
        switch frame.opcode {
        case .ping:
            guard handshake.isOpen else { return }
            // Pongs must not pile up for a peer that pings and does not read: past the write
            // buffer's high-water mark only the latest ping is kept, answered once writable
            // again (RFC 6455 §5.5.3 lets a pong answer only the most recent ping). So a ping
            // flood costs at most one pending pong, and a slow reader that pings (as Python's
            // websockets does every 20 s) is not dropped for it.
            guard context.channel.isWritable else {
                deferredPong = frame.unmaskedData
                return
            }
            sendPong(frame.unmaskedData, context: context)
        case .pong:
            receivedPong(frame.unmaskedData)
        case .connectionClose:
            receivedClose(context: context, frame: frame)
        case .text, .binary, .continuation:
            // After a close frame, data is neither sent nor delivered (RFC 6455 §5.5.1).
            guard handshake.isOpen else { return }
            switch assembler.receive(opcode: frame.opcode, fin: frame.fin, data: frame.unmaskedData) {
            case .needMore:
                startFragmentTimer(context: context)
            case .message(let message):
                fragmentTimer?.cancel()
                fragmentTimer = nil
                context.fireChannelRead(wrapInboundOut(.message(message)))
            case .fail(let code, let reason):
                fail(context: context, .violation(code, reason))
            }
        default:
            fail(context: context, .violation(.protocolError, "a frame with the reserved opcode \(frame.opcode)"))
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let data = deferredPong, handshake.isOpen {
            deferredPong = nil
            sendPong(data, context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    private func sendPong(_ data: ByteBuffer, context: ChannelHandlerContext) {
        let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: makeMaskKey(), data: data)
        context.writeAndFlush(outbound(pong, context), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
        // Once closing, the application may have stopped reading (NIOAsyncChannel then holds
        // reads back for good); keep reading ourselves, or the peer's close frame would never be
        // seen and every close would wait out the timeout.
        if !handshake.isOpen { context.read() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // The server is shutting down: say so with 1001 and let the handshake finish.
            perform(handshake.close(CloseFramePayload(code: .goingAway)), context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // Errors end the inbound messages with a reason instead of escaping to the application
        // raw: the frame decoder's are the peer's violations, the rest a lost connection.
        if let error = error as? NIOWebSocketError {
            let violation: WebSocketError
            switch error {
            case .invalidFrameLength:
                violation = .violation(.messageTooLarge, "a frame larger than the \(assembler.maxMessageSize)-byte limit")
            case .fragmentedControlFrame:
                violation = .violation(.protocolError, "a fragmented control frame")
            case .multiByteControlFrameLength:
                violation = .violation(.protocolError, "a control frame longer than 125 bytes")
            }
            return fail(context: context, violation)
        }
        if ending.error == nil, ending.peerClose == nil { ending.error = .lost(error) }
        context.close(promise: nil)
    }

    private func receivedClose(context: ChannelHandlerContext, frame: WebSocketFrame) {
        let parsed = CloseFramePayload.parse(frame.unmaskedData)
        switch parsed {
        case .success(let payload): ending.peerClose = payload
        case .failure(let violation): ending.error = ending.error ?? violation
        }
        reportEnding(context: context)
        perform(handshake.peerClosed(parsed), context: context)
    }

    private func receivedPong(_ data: ByteBuffer) {
        // An application ping carries its 8-byte id; a pong answers it and every earlier one
        // (a peer may answer only the latest of several pings). Other pongs only show life.
        guard data.readableBytes == 8, let id = data.getInteger(at: data.readerIndex, as: UInt64.self),
            let index = pingsAwaitingPong.firstIndex(where: { $0.id == id })
        else { return }
        let answered = pingsAwaitingPong[...index]
        pingsAwaitingPong.removeSubrange(...index)
        for ping in answered { ping.promise.succeed() }
    }

    /// Tells the application how the connection ended; once.
    private func reportEnding(context: ChannelHandlerContext) {
        guard !reportedEnding else { return }
        reportedEnding = true
        context.fireChannelRead(wrapInboundOut(.closed(ending)))
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .message(let message):
            guard handshake.isOpen else { return promise?.fail(WebSocketError.closed) ?? () }
            let opcode: WebSocketOpcode = message.kind == .text ? .text : .binary
            let frame = WebSocketFrame(fin: true, opcode: opcode, maskKey: makeMaskKey(), data: message.data)
            context.write(outbound(frame, context), promise: promise)
        case .encodedFrame(let bytes):
            guard handshake.isOpen, let encoderContext else { return promise?.fail(WebSocketError.closed) ?? () }
            encoderContext.write(NIOAny(IOData.byteBuffer(bytes)), promise: promise)
        case .close(let code, let reason):
            perform(handshake.close(CloseFramePayload(code: code, reason: reason)), context: context)
            promise?.succeed()
        case .ping(let pong):
            guard handshake.isOpen else { return pong.fail(WebSocketError.closed) }
            lastPingID += 1
            pingsAwaitingPong.append((lastPingID, pong))
            var data = context.channel.allocator.buffer(capacity: 8)
            data.writeInteger(lastPingID)
            let ping = WebSocketFrame(fin: true, opcode: .ping, maskKey: makeMaskKey(), data: data)
            context.write(outbound(ping, context), promise: promise)
        }
    }

    // MARK: Pre-encoded frames (EncodedFrameWriter)

    var acceptsEncodedFrames: Bool { handshake.isOpen && encoderContext != nil }

    /// What `.encodedFrame` does, without the message around it.
    func writeEncodedFrame(_ bytes: ByteBuffer) -> Bool {
        guard handshake.isOpen, let encoderContext else { return false }
        encoderContext.write(NIOAny(IOData.byteBuffer(bytes)), promise: nil)
        return true
    }

    /// Neither this handler nor the encoder holds writes back: the flush can start below them.
    func flushEncodedFrames() {
        encoderContext?.flush()
    }

    // MARK: Closing

    /// Fails the connection (RFC 6455 §7.1.7): tells the application why, sends the close code
    /// and drops the connection without waiting for a peer that broke the rules.
    private func fail(context: ChannelHandlerContext, _ error: WebSocketError) {
        if ending.error == nil { ending.error = error }
        reportEnding(context: context)
        let payload = CloseFramePayload(code: error.closeCode ?? .protocolError, reason: error.detail)
        perform(handshake.fail(payload), context: context)
    }

    private func perform(_ action: CloseHandshake.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .sendClose(let payload):
            sendCloseFrame(payload, context: context)
            scheduleCloseTimeout(context: context)
            context.read()
        case .answerClose(let payload) where isServer:
            // The peer is reading (it is closing cleanly), but what we sent before may still
            // be queued: close once our answer is out, not before (that would discard it),
            // and at the latest after the close timeout.
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            sendCloseFrame(payload, context: context).whenComplete { _ in loopBound.value.close(promise: nil) }
            scheduleCloseTimeout(context: context)
        case .answerClose(let payload):
            sendCloseFrame(payload, context: context)
            perform(.disconnect, context: context)
        case .sendCloseAndDisconnect(let payload):
            // The write goes to the socket now if it can; a peer that does not read loses it.
            sendCloseFrame(payload, context: context)
            context.close(promise: nil)
        case .disconnect where isServer:
            context.close(promise: nil)
        case .disconnect:
            // A client lets the server close the TCP connection first, within the timeout.
            scheduleCloseTimeout(context: context)
            context.read()
        case .drop:
            context.close(promise: nil)
        }
        if !handshake.isOpen { failPings() }
    }

    @discardableResult
    private func sendCloseFrame(_ payload: CloseFramePayload, context: ChannelHandlerContext) -> EventLoopFuture<Void> {
        let data = payload.encoded(allocator: context.channel.allocator)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: makeMaskKey(), data: data)
        return context.writeAndFlush(outbound(frame, context))
    }

    private func scheduleCloseTimeout(context: ChannelHandlerContext) {
        guard closeTimer == nil else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        closeTimer = context.eventLoop.scheduleTask(in: closeTimeout) {
            loopBound.value.close(promise: nil)
        }
    }

    private func failPings() {
        let pings = pingsAwaitingPong
        pingsAwaitingPong = []
        for ping in pings { ping.promise.fail(WebSocketError.closed) }
    }

    // MARK: Keepalive

    private func scheduleKeepalive(context: ChannelHandlerContext) {
        guard let keepalive else { return }
        keepaliveContext = context
        keepaliveTimer = try? context.eventLoop.assumeIsolated().scheduleCallback(at: keepalive.nextDeadline, handler: self)
    }

    /// Any frame is a sign of life. The timer is not moved for each frame (it just finds a later
    /// deadline when it fires), except when the frame answers a ping: the timer then points at
    /// the pong deadline, and the next ping is due a ping interval from now, usually sooner.
    private func heardFromPeer(context: ChannelHandlerContext) {
        guard keepalive != nil else { return }
        let wasAwaitingPong = keepalive!.awaitingPong
        keepalive!.heardFromPeer(at: context.eventLoop.now)
        if wasAwaitingPong {
            keepaliveTimer?.cancel()
            scheduleKeepalive(context: context)
        }
    }

    private func pingWritten(context: ChannelHandlerContext) {
        guard handshake.isOpen, keepalive != nil else { return }
        keepalive!.pingWritten(at: context.eventLoop.now)
        keepaliveTimer?.cancel()
        scheduleKeepalive(context: context)
    }

    private func keepaliveTick(context: ChannelHandlerContext) {
        guard handshake.isOpen, keepalive != nil else { return }
        switch keepalive!.tick(at: context.eventLoop.now) {
        case .none:
            break
        case .sendPing:
            let ping = WebSocketFrame(fin: true, opcode: .ping, maskKey: makeMaskKey(), data: ByteBuffer())
            // The pong is due from when the ping reaches the socket, not from when it joined
            // the queue behind frames the peer has yet to read.
            let written = context.eventLoop.makePromise(of: Void.self)
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            written.futureResult.whenSuccess {
                let (handler, context) = loopBound.value
                handler.pingWritten(context: context)
            }
            context.writeAndFlush(outbound(ping, context), promise: written)
        case .closeConnection:
            return fail(context: context, .pongTimedOut)
        }
        scheduleKeepalive(context: context)
    }

    /// Bounds how long the peer may hold a message open: its fragments are held in memory.
    private func startFragmentTimer(context: ChannelHandlerContext) {
        guard fragmentTimer == nil, let timeout = fragmentTimeout else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        fragmentTimer = context.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            let (handler, context) = loopBound.value
            handler.fragmentTimer = nil
            guard handler.handshake.isOpen else { return }
            handler.fail(context: context, .violation(.policyViolation, "a fragmented message not finished within \(timeout)"))
        }
    }

    private func cancelTimers() {
        keepaliveTimer?.cancel()
        keepaliveTimer = nil
        keepaliveContext = nil
        fragmentTimer?.cancel()
        fragmentTimer = nil
        closeTimer?.cancel()
        closeTimer = nil
    }

    /// A frame for the next handler down: the `WebSocketFrame` itself for NIO's encoder, or with
    /// `encodesFrames` its bytes (a server's frames are unmasked and final, so
    /// ``WebSocketFrameBytes`` encodes them).
    private func outbound(_ frame: WebSocketFrame, _ context: ChannelHandlerContext) -> NIOAny {
        guard encodesFrames else { return wrapOutboundOut(frame) }
        let bytes = WebSocketFrameBytes.encode(opcode: frame.opcode, payload: frame.data, allocator: context.channel.allocator)
        return NIOAny(IOData.byteBuffer(bytes))
    }

    private func makeMaskKey() -> WebSocketMaskingKey? {
        isServer ? nil : .random()
    }
}

/// What a ``WebSocketProtocolHandler`` needs only once its connection ends, pings from the
/// application, fragments or a slow reader: out of line, so that an idle connection holds one
/// pointer for it, not ~250 bytes of empty fields (the ending alone, an error with its URL,
/// status and detail, is ~150).
private final class Seldom {
    var ending = WebSocketEnding()
    var pingsAwaitingPong: [(id: UInt64, promise: EventLoopPromise<Void>)] = []
    var lastPingID: UInt64 = 0
    var closeTimer: Scheduled<Void>?
    var deferredPong: ByteBuffer?
    var fragmentTimer: Scheduled<Void>?
}

extension WebSocketProtocolHandler: NIOScheduledCallbackHandler {
    /// The keepalive timer fired.
    func handleScheduledCallback(eventLoop: some EventLoop) {
        keepaliveTimer = nil
        guard let context = keepaliveContext else { return }
        keepaliveTick(context: context)
    }
}
