import Logging
import NIOCore
import NIOWebSocket

/// The application end of a subscriber's WebSocket channel: joins a stream, writes the replay,
/// then writes live events as the stream's ``LoopShard`` hands them over, in batches.
///
/// Everything here runs on the channel's event loop. Pending bytes are bounded: past
/// `maxPendingBytes` (plus the size of its initial replay, until that has gone out) a
/// subscriber is too slow and is closed with 1013, so it never holds back the stream or grows
/// memory. The channel's write-buffer high water mark is set to the same limit, so the cheap
/// `isWritable` check screens every delivery and the exact count is read only past it.
final class WebSocketSubscriber: ChannelInboundHandler, StreamSubscriber {
    typealias InboundIn = WebSocketInbound
    typealias OutboundOut = WebSocketOutbound

    private let stream: EventStream
    private let mode: WireMode
    private let resume: ResumePoint?
    private let maxPendingBytes: Int
    private let logger: Logger
    /// Bytes of the initial replay still on their way out; allowed on top of the limit.
    private var replayAllowance = 0
    private var context: ChannelHandlerContext?
    /// The last id written; live events at or below it are skipped.
    private var position: UInt64 = 0
    private var subscribed = false
    private var needsFlush = false

    init(stream: EventStream, mode: WireMode, resume: ResumePoint?, maxPendingBytes: Int, logger: Logger) {
        self.stream = stream
        self.mode = mode
        self.resume = resume
        self.maxPendingBytes = maxPendingBytes
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        guard let subscription = stream.subscribe(self, on: context.eventLoop, resume: resume) else {
            // The relay lost its upstream epoch between the upgrade check and now.
            context.write(wrapOutboundOut(.close(.tryAgainLater)), promise: nil)
            return
        }
        subscribed = true
        position = subscription.plan.position
        let allocator = context.channel.allocator
        if mode == .v1 {
            let hello = V1Header.hello(epoch: subscription.epoch, lastID: subscription.lastID)
            context.write(wrapOutboundOut(.encodedFrame(hello.controlFrame(allocator: allocator))), promise: nil)
        }
        var lastWrite: EventLoopFuture<Void>?
        for item in subscription.plan.items {
            let frame: ByteBuffer
            switch item {
            case .gap(let first, let last):
                guard mode == .v1 else { continue }
                frame = V1Header.gap(first: first, last: last).controlFrame(allocator: allocator)
            case .event(_, let event):
                frame = event.frame(for: mode)
            }
            replayAllowance += frame.readableBytes
            lastWrite = context.write(wrapOutboundOut(.encodedFrame(frame)))
        }
        context.flush()
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        lastWrite?.whenSuccess { loopBound.value.replayAllowance = 0 }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        leave()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        leave()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Subscribers have nothing to say; a close from the peer ends the subscription.
        if case .closed = unwrapInboundIn(data) { leave() }
    }

    // MARK: StreamSubscriber

    func deliver(_ event: EncodedEvent) {
        guard subscribed, let context, event.id > position else { return }
        if mode == .v1, event.id > position + 1 {
            let gap = V1Header.gap(first: position + 1, last: event.id - 1).controlFrame(allocator: context.channel.allocator)
            context.write(wrapOutboundOut(.encodedFrame(gap)), promise: nil)
        }
        context.write(wrapOutboundOut(.encodedFrame(event.frame(for: mode))), promise: nil)
        position = event.id
        needsFlush = true
        if !context.channel.isWritable, pendingBytes(context) > maxPendingBytes + replayAllowance {
            tooSlow(context: context)
        }
    }

    func flushBatch() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    func streamRestarted() {
        guard subscribed, let context else { return }
        switch mode {
        case .plain:
            // Plain subscribers never see ids: just keep going from the new epoch's first event.
            position = 0
        case .v1:
            // Ids restart: close so the client reconnects and is told of the gap.
            leave()
            context.write(wrapOutboundOut(.close(.serviceRestart)), promise: nil)
            needsFlush = true
        }
    }

    private func pendingBytes(_ context: ChannelHandlerContext) -> Int {
        (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? .max
    }

    private func tooSlow(context: ChannelHandlerContext) {
        leave()
        logger.warning(
            "closing slow subscriber with 1013",
            metadata: [
                "peer": "\(context.remoteAddress?.description ?? "?")",
                "stream": "\(stream.path)",
                "position": "\(position)",
            ]
        )
        context.write(wrapOutboundOut(.close(.tryAgainLater)), promise: nil)
    }

    private func leave() {
        guard subscribed, let context else { return }
        subscribed = false
        stream.unsubscribe(self, on: context.eventLoop)
    }
}
