import Logging
import NIOCore
import WSEventStore
import WSEventStreams
import WSEventTransports

/// The handler that serves a subscription, WebSocket or SSE: a durable stream's subscriber
/// first replays what the store has and memory has not (``HistoryReplayHandler``); a named
/// consumer resumes where it was and reports what was written to it.
enum SubscriberSetup {
    static func handler(
        for request: SubscribeRequest,
        format: SubscriberFormat,
        lease: ConsumerLease?,
        context: ServiceContext,
        logger: Logger,
        settings shared: SubscriberSettings? = nil
    ) -> any ChannelHandler {
        // An explicit since (or Last-Event-ID) wins over the consumer's stored position.
        let resume = request.resume ?? lease?.resume
        var written: (@Sendable (UInt64) -> Void)?
        if let lease {
            written = { id in lease.written(id) }
        }
        // Settings shared by a server's subscribers of a format, or made for this one.
        let settings =
            shared
            ?? SubscriberSettings(
                format: format,
                maxPendingBytes: context.configuration.maxPendingBytes,
                logger: logger,
                metrics: context.metrics.subscribers(format)
            )
        let stream = request.stream
        let makeSubscriber = { (resume: ResumePoint?, greets: Bool) in
            StreamSubscriberHandler(stream: stream, resume: resume, settings: settings, greets: greets, written: written)
        }
        guard let log = stream.durableLog else { return makeSubscriber(resume, true) }
        return HistoryReplayHandler(
            stream: stream,
            log: log,
            format: format,
            resume: resume,
            logger: logger,
            written: written,
            makeSubscriber: makeSubscriber
        )
    }
}
