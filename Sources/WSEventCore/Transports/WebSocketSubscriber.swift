import Logging
import NIOCore
import NIOWebSocket

/// The application end of a subscriber's WebSocket channel: joins a stream, writes the replay,
/// then writes live events as the stream's ``LoopShard`` hands them over, in batches.
///
/// Everything here runs on the channel's event loop. Pending bytes are bounded by the
/// channel's write-buffer water mark: a subscriber whose channel stops being writable is too
/// slow and is closed with 1013, so it never holds back the stream or grows memory.
final class WebSocketSubscriber: ChannelInboundHandler, StreamSubscriber {
    typealias InboundIn = WebSocketInbound
    typealias OutboundOut = WebSocketOutbound

    private let stream: EventStream
    private let mode: WireMode
    private let resume: ResumePoint?
    private let logger: Logger
    private var context: ChannelHandlerContext?
    /// The last id written; live events at or below it are skipped.
    private var position: UInt64 = 0
    private var subscribed = false
    private var needsFlush = false

    init(stream: EventStream, mode: WireMode, resume: ResumePoint?, logger: Logger) {
        self.stream = stream
        self.mode = mode
        self.resume = resume
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
        for item in subscription.plan.items {
            switch item {
            case .gap(let first, let last):
                guard mode == .v1 else { continue }
                let gap = V1Header.gap(first: first, last: last).controlFrame(allocator: allocator)
                context.write(wrapOutboundOut(.encodedFrame(gap)), promise: nil)
            case .event(_, let event):
                context.write(wrapOutboundOut(.encodedFrame(event.frame(for: mode))), promise: nil)
            }
        }
        context.flush()
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
        if !context.channel.isWritable { tooSlow(context: context) }
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
