import Logging
import NIOCore
import WSEventStreams
import WSEventTransports

/// The handler that serves an admitted subscription, WebSocket or SSE: a durable stream's
/// subscriber first replays what the store has and memory has not (``HistoryReplayHandler``);
/// a named consumer reports what was written to it.
enum SubscriberSetup {
    static func handler(
        for subscription: AdmittedSubscription,
        format: SubscriberFormat,
        context: ServiceContext,
        logger: Logger,
        settings shared: SubscriberSettings? = nil
    ) -> any ChannelHandler {
        var written: (@Sendable (UInt64) -> Void)?
        if let lease = subscription.lease {
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
        let stream = subscription.stream
        let makeSubscriber = { (resume: ResumePoint?, greets: Bool) in
            StreamSubscriberHandler(stream: stream, resume: resume, settings: settings, greets: greets, written: written)
        }
        guard let log = stream.durableLog else { return makeSubscriber(subscription.resume, true) }
        return HistoryReplayHandler(
            stream: stream,
            log: log,
            format: format,
            resume: subscription.resume,
            // Half of what may be pending: a page, and the frames made of it, fit.
            pageBytes: context.configuration.maxPendingBytes / 2,
            logger: logger,
            written: written,
            makeSubscriber: makeSubscriber
        )
    }
}
