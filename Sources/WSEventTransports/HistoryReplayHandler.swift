import Logging
import NIOCore
import NIOWebSocket
import WSEventStreams
import WSEventWebSocket

/// Stands in front of a durable stream's subscriber until it can join: replays from the
/// store what the replay buffer no longer holds, or catches up with the store when the
/// subscriber comes from an instance that was further along, then hands over to a
/// ``StreamSubscriberHandler`` that continues from the last id replayed.
///
/// Why the subscriber sees every event once and in order: the greeting goes first, then the
/// table's events after `since`, page by page, in id order (a hole the retention pruned is
/// told as a `gap`).
///
/// Why its memory is bounded whatever the history and however slowly the client reads: a page
/// holds at most ``pageSize`` events and `pageBytes` bytes of payload (but for a single larger
/// event), and the next page is read only once the previous one has reached the socket, so a
/// subscriber holds one page at a time, within its `-max-pending-bytes`. It stops once the replay buffer reaches back past the
/// last id replayed, and only then does the ``StreamSubscriberHandler`` join, resuming from
/// that id: the buffer and the live events take it from there exactly as for any resume.
package final class HistoryReplayHandler: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = WebSocketInbound

    /// Events read from the store per page.
    static let pageSize = 512

    private let stream: WireEventStream
    private let log: any DurableLog
    private let format: SubscriberFormat
    private let resume: ResumePoint?
    /// Payload bytes read from the log per page, at most (beyond a page's first event).
    private let pageBytes: Int
    private let makeSubscriber: (_ resume: ResumePoint?, _ greets: Bool) -> StreamSubscriberHandler
    private let written: (@Sendable (UInt64) -> Void)?
    private let logger: Logger
    private var active = true

    /// - Parameters:
    ///   - pageBytes: payload bytes per page at most; a page is written whole before the next
    ///     is read, so keep it within what the subscriber may have pending.
    ///   - makeSubscriber: the subscriber that takes over, resuming from the point it is given;
    ///     `greets` is false when this handler has greeted already.
    package init(
        stream: WireEventStream,
        log: any DurableLog,
        format: SubscriberFormat,
        resume: ResumePoint?,
        pageBytes: Int,
        logger: Logger,
        written: (@Sendable (UInt64) -> Void)? = nil,
        makeSubscriber: @escaping (_ resume: ResumePoint?, _ greets: Bool) -> StreamSubscriberHandler
    ) {
        self.stream = stream
        self.log = log
        self.format = format
        self.resume = resume
        self.pageBytes = max(pageBytes, 1)
        self.logger = logger
        self.written = written
        self.makeSubscriber = makeSubscriber
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        let status = stream.status
        switch HistoryReplay.decide(resume: resume, status: status) {
        case .none:
            handOver(context: context, resume: resume, greets: true)
        case .catchUp:
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let log = self.log
            context.eventLoop.makeFutureWithTask { try await log.catchUp() }.whenComplete { _ in
                let (handler, context) = loopBound.value
                handler.handOver(context: context, resume: handler.resume, greets: true)
            }
        case .fromStore(let since):
            if let greeting = format.greeting(epoch: status.epoch, lastID: status.lastID, allocator: context.channel.allocator) {
                context.write(greeting, promise: nil)
            }
            replayPage(context: context, after: since, epoch: status.epoch)
        }
    }

    package func channelInactive(context: ChannelHandlerContext) {
        active = false
        context.fireChannelInactive()
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        active = false
    }

    /// Reads and writes the page after `after`, then the next, until the buffer takes over.
    private func replayPage(context: ChannelHandlerContext, after: UInt64, epoch: Epoch) {
        guard active else { return }
        let status = stream.status
        guard status.epoch == epoch, after + 1 < HistoryReplay.firstBuffered(status) else {
            return handOver(context: context, resume: ResumePoint(since: after, epoch: epoch), greets: false)
        }
        let (log, pageBytes) = (self.log, self.pageBytes)
        let through = status.lastID
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.makeFutureWithTask {
            try await log.events(after: after, through: through, epoch: epoch, limit: HistoryReplayHandler.pageSize, maxBytes: pageBytes)
        }.whenComplete { result in
            let (handler, context) = loopBound.value
            guard handler.active else { return }
            switch result {
            case .success(let events) where !events.isEmpty:
                handler.write(events, after: after, epoch: epoch, context: context)
            case .success:
                // The table has nothing more before the buffer: the subscriber's plan tells
                // of the hole as a gap.
                handler.handOver(context: context, resume: ResumePoint(since: after, epoch: epoch), greets: false)
            case .failure(let error):
                handler.logger.warning(
                    "could not replay from the store; the subscriber is told of a gap",
                    metadata: ["stream": "\(handler.stream.path)", "reason": "\(error)"]
                )
                handler.handOver(context: context, resume: ResumePoint(since: after, epoch: epoch), greets: false)
            }
        }
    }

    private func write(_ events: [Event], after: UInt64, epoch: Epoch, context: ChannelHandlerContext) {
        let allocator = context.channel.allocator
        var position = after
        var lastWrite: EventLoopFuture<Void>?
        for event in events where event.id > position {
            if event.id > position + 1, let gap = format.gapMessage(first: position + 1, last: event.id - 1, allocator: allocator) {
                context.write(gap, promise: nil)
            }
            lastWrite = context.write(format.message(for: EncodedEvent(event, epoch: epoch, allocator: allocator)))
            position = event.id
        }
        context.flush()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let written = self.written
        let reached = position
        // The next page once this one is on its way: a long history never piles up here.
        (lastWrite ?? context.eventLoop.makeSucceededVoidFuture()).whenComplete { result in
            let (handler, context) = loopBound.value
            guard case .success = result else { return }
            written?(reached)
            handler.replayPage(context: context, after: reached, epoch: epoch)
        }
    }

    private func handOver(context: ChannelHandlerContext, resume: ResumePoint?, greets: Bool) {
        guard active else { return }
        active = false
        let subscriber = makeSubscriber(resume, greets)
        do {
            try context.pipeline.syncOperations.addHandler(subscriber, position: .after(self))
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        } catch {
            context.close(promise: nil)
        }
    }
}
