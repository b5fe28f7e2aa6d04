import Logging
import NIOCore
import WSEventAuth
import WSEventStreams
import WSEventTransports

/// The handler that serves an admitted subscription, WebSocket or SSE: a durable stream's
/// subscriber first replays what the store has and memory has not (``HistoryReplayHandler``);
/// a named consumer reports what was written to it.
enum SubscriberSetup {
    /// The handlers that serve `subscription`, in pipeline order: the expiry's, when its
    /// authorization ends (only then: a subscription that never expires costs nothing for it),
    /// and the subscriber's.
    static func handlers(
        for subscription: AdmittedSubscription,
        format: SubscriberFormat,
        context: ServiceContext,
        logger: Logger,
        settings shared: SubscriberSettings? = nil,
        now: NIODeadline
    ) -> [any ChannelHandler] {
        guard let expiresAt = subscription.expiresAt else {
            return [handler(for: subscription, format: format, context: context, logger: logger, settings: shared)]
        }
        let expiry = TokenExpiry(
            expiresAt: expiresAt,
            now: now,
            maxJitter: TimeAmount(AuthTiming.expiryJitter),
            jitterFraction: context.authorization.jitter()
        )
        let closes = context.metrics.expiredSubscriptions
        return [
            TokenExpiryHandler(expiry: expiry) { closes.increment() },
            handler(for: subscription, format: format, context: context, logger: logger, settings: shared, writesUntil: expiry.closeAt),
        ]
    }

    static func handler(
        for subscription: AdmittedSubscription,
        format: SubscriberFormat,
        context: ServiceContext,
        logger: Logger,
        settings shared: SubscriberSettings? = nil,
        writesUntil: NIODeadline? = nil
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
            writesUntil: writesUntil,
            makeSubscriber: makeSubscriber
        )
    }
}
