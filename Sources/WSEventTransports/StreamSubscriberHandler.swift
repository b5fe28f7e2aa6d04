import Logging
import NIOCore
import NIOWebSocket
import WSEventStreams
import WSEventWebSocket

/// The application end of a subscriber's channel, WebSocket or SSE: joins a stream, writes the
/// replay, then writes live events as the stream's ``LoopShard`` hands them over, in batches.
///
/// Everything here runs on the channel's event loop. Pending bytes are bounded: past
/// `maxPendingBytes` (plus the size of its initial replay, until that has gone out) a
/// subscriber is too slow and is closed (WebSocket: 1013), so it never holds back the stream
/// or grows memory. The channel's write-buffer high water mark is set to the same limit, so the
/// cheap `isWritable` check screens every delivery and the exact count is read only past it.
///
/// Live events are the hot path (every subscriber, every event): a WebSocket subscriber writes
/// the shared frame through an ``EncodedFrameWriter``, straight below the protocol handler, and
/// a batch costs one call from the shard and one flush.
package final class StreamSubscriberHandler: ChannelInboundHandler, StreamSubscriber {
    /// What reaches it after a WebSocket upgrade (an SSE subscriber's request handler reads
    /// nothing more once streaming): only the ending is looked at, for the keepalive count.
    package typealias InboundIn = WebSocketInbound

    private let stream: WireEventStream
    private let format: SubscriberFormat
    /// Where to resume, until the subscription is made.
    private var resume: ResumePoint?
    private let shared: SubscriberSettings
    private var maxPendingBytes: Int { shared.maxPendingBytes }
    private var logger: Logger { shared.logger }
    private var metrics: SubscriberMetrics { shared.metrics }
    /// Events and bytes written since the last flush, counted once per batch.
    private var unsentCounts = (events: 0, bytes: 0)
    /// Bytes of the initial replay still on their way out; allowed on top of the limit.
    private var replayAllowance = 0
    private var context: ChannelHandlerContext?
    /// The context's channel, kept: `context.channel` asks the pipeline each time.
    private var channel: Channel?
    /// WebSocket: where live frames go (`nil` for SSE, whose events go through the HTTP encoder).
    private var frames: EncodedFrameWriter?
    /// The last id written; live events at or below it are skipped.
    private var position: UInt64 = 0
    /// The epoch the subscription began in.
    private var epoch: Epoch?
    private var subscribed = false
    private var needsFlush = false
    private var heartbeat: RepeatedTask?
    /// Whether to send the format's greeting (`hello`, `retry`); not when a
    /// ``HistoryReplayHandler`` sent it before the events it replayed.
    private let greets: Bool
    /// Told the last id written once a batch's bytes have gone to the socket (a named
    /// consumer's position); `nil`: nobody asks, and writes carry no promise.
    private let written: (@Sendable (UInt64) -> Void)?
    /// The last write of the batch being written, while `written` is set.
    private var lastWrite: EventLoopFuture<Void>?

    /// A subscriber with settings of its own.
    package convenience init(
        stream: WireEventStream,
        format: SubscriberFormat,
        resume: ResumePoint?,
        maxPendingBytes: Int,
        logger: Logger,
        metrics: SubscriberMetrics = .disabled,
        greets: Bool = true,
        written: (@Sendable (UInt64) -> Void)? = nil
    ) {
        self.init(
            stream: stream,
            resume: resume,
            settings: SubscriberSettings(format: format, maxPendingBytes: maxPendingBytes, logger: logger, metrics: metrics),
            greets: greets,
            written: written
        )
    }

    /// A subscriber with settings shared by all of a server's subscribers of one format.
    /// - Parameters:
    ///   - greets: whether to send the format's greeting (not after a history replay that did).
    ///   - written: told the last id written once a batch has gone to the socket (a named
    ///     consumer's position). Such a subscriber writes through the pipeline with promises,
    ///     not the frame writer of the fast path.
    package init(
        stream: WireEventStream,
        resume: ResumePoint?,
        settings: SubscriberSettings,
        greets: Bool = true,
        written: (@Sendable (UInt64) -> Void)? = nil
    ) {
        self.greets = greets
        self.written = written
        self.stream = stream
        self.format = settings.format
        self.resume = resume
        self.shared = settings
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        channel = context.channel
        if case .webSocket = format, written == nil {
            frames = EncodedFrameWriter(context.pipeline.syncOperations)
        }
        guard let subscription = stream.subscribe(self, on: context.eventLoop, resume: resume) else {
            format.close(context: context, code: .tryAgainLater)
            return
        }
        subscribed = true
        resume = nil
        metrics.subscribers.increment()
        position = subscription.plan.position
        epoch = subscription.epoch
        let allocator = context.channel.allocator
        if greets, let greeting = format.greeting(epoch: subscription.epoch, lastID: subscription.lastID, allocator: allocator) {
            context.write(greeting, promise: nil)
        }
        var lastWrite: EventLoopFuture<Void>?
        for item in subscription.plan.items {
            let message: NIOAny
            switch item {
            case .gap(let first, let last):
                guard let gap = format.gapMessage(first: first, last: last, allocator: allocator) else { continue }
                message = gap
                metrics.gapNotices.increment()
            case .event(_, let event):
                message = format.message(for: event)
                replayAllowance += format.bytes(of: event).readableBytes
                unsentCounts.events += 1
            }
            lastWrite = context.write(message)
        }
        unsentCounts.bytes += replayAllowance
        countWritten()
        context.flush()
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        lastWrite?.whenSuccess { loopBound.value.replayAllowance = 0 }
        if let written, let lastWrite, let lastReplayed = subscription.plan.items.last(where: { if case .event = $0 { true } else { false } }),
            case .event(let id, _) = lastReplayed
        {
            lastWrite.whenSuccess { written(id) }
        }
        if case .sse(_, let interval) = format {
            heartbeat = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                loopBound.value.sendHeartbeat()
            }
        }
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        leave()
        self.context = nil
        channel = nil
        frames = nil
    }

    package func channelInactive(context: ChannelHandlerContext) {
        leave()
        context.fireChannelInactive()
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .closed(let ending) = unwrapInboundIn(data), ending.error?.reason == .pongTimeout {
            metrics.keepaliveCloses?.increment()
        }
        context.fireChannelRead(data)
    }

    // MARK: StreamSubscriber

    /// Counted in the stream's presence by its transport: `websocket`, `websocket-v1`, `sse`.
    package var presenceKind: String { format.name }

    /// The whole batch in one call: no hop through the shard's generic code per event.
    package func deliver(_ batch: ArraySlice<StreamDelivery<EncodedEvent>>) {
        for item in batch {
            switch item {
            case .event(let event): deliver(event)
            case .restart(let epoch): streamRestarted(epoch: epoch)
            case .shutdown: serverShuttingDown()
            }
        }
        flushBatch()
    }

    package func deliver(_ event: EncodedEvent) {
        guard subscribed, let context, let channel, event.id > position else { return }
        if event.id > position + 1,
            let gap = format.gapMessage(first: position + 1, last: event.id - 1, allocator: channel.allocator)
        {
            context.write(gap, promise: nil)
            metrics.gapNotices.increment()
        }
        let bytes = format.bytes(of: event)
        if let frames {
            frames.write(bytes)
        } else if written != nil {
            lastWrite = context.write(format.message(for: event))
        } else {
            context.write(format.message(for: event), promise: nil)
        }
        unsentCounts.events += 1
        unsentCounts.bytes += bytes.readableBytes
        position = event.id
        needsFlush = true
        if !channel.isWritable, pendingBytes(channel) > maxPendingBytes + replayAllowance {
            tooSlow(context: context)
        }
    }

    package func flushBatch() {
        countWritten()
        guard needsFlush, let context else { return }
        needsFlush = false
        if let frames {
            frames.flush()
        } else {
            context.flush()
        }
        if let written, let lastWrite {
            let id = position
            lastWrite.whenSuccess { written(id) }
            self.lastWrite = nil
        }
    }

    /// Adds the events and bytes written since the last call to the counters: once per batch.
    private func countWritten() {
        guard unsentCounts.events > 0 else { return }
        metrics.delivered.increment(by: unsentCounts.events)
        metrics.bytesSent.increment(by: unsentCounts.bytes)
        unsentCounts = (0, 0)
    }

    package func streamRestarted(epoch newEpoch: Epoch) {
        guard subscribed, let context, newEpoch != epoch else { return }
        epoch = newEpoch
        if format.tracksIDs {
            // Ids restart: end the subscription so the client resumes and is told of the gap.
            leave()
            format.close(context: context, code: .serviceRestart)
        } else {
            // Plain WebSocket subscribers never see ids: go on with the new epoch's events.
            position = 0
        }
    }

    package func serverShuttingDown() {
        guard subscribed, let context else { return }
        leave()
        format.close(context: context, code: .goingAway)
    }

    private func sendHeartbeat() {
        guard subscribed, let context else { return }
        context.writeAndFlush(format.heartbeatMessage, promise: nil)
    }

    private func pendingBytes(_ channel: Channel) -> Int {
        (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? .max
    }

    private func tooSlow(context: ChannelHandlerContext) {
        leave()
        metrics.slowConsumerCloses.increment()
        logger.warning(
            "closing slow subscriber",
            metadata: [
                "peer": "\(context.remoteAddress?.description ?? "?")",
                "stream": "\(stream.path)",
                "format": "\(format.name)",
                "position": "\(position)",
            ]
        )
        format.close(context: context, code: .tryAgainLater)
    }

    private func leave() {
        heartbeat?.cancel()
        heartbeat = nil
        guard subscribed, let context else { return }
        subscribed = false
        metrics.subscribers.decrement()
        stream.unsubscribe(self, on: context.eventLoop)
    }
}

/// What all subscribers of one server and format have in common, made once and shared: an idle
/// subscriber holds a reference instead of its own logger and counters (about 100 bytes each).
package final class SubscriberSettings: Sendable {
    let format: SubscriberFormat
    /// Bytes a subscriber may fall behind before it is closed.
    let maxPendingBytes: Int
    let logger: Logger
    let metrics: SubscriberMetrics

    package init(format: SubscriberFormat, maxPendingBytes: Int, logger: Logger, metrics: SubscriberMetrics = .disabled) {
        self.format = format
        self.maxPendingBytes = maxPendingBytes
        self.logger = logger
        self.metrics = metrics
    }
}
