import NIOCore

/// Ends a subscription when its token expires: sits in front of the subscriber handler (only
/// on connections whose authorization expires, so a server without JWT or a backend hook pays
/// nothing for it) and, at ``TokenExpiry/closeAt``, fires ``SubscriptionExpired`` to it. The
/// decisions are ``TokenExpiry``'s; this only runs the one timer.
package final class TokenExpiryHandler: ChannelInboundHandler, NIOScheduledCallbackHandler {
    package typealias InboundIn = NIOAny

    private var expiry: TokenExpiry
    private var timer: NIOScheduledCallback?
    private var timerDeadline: NIODeadline?
    private var context: ChannelHandlerContext?
    /// Told once, when the subscription is ended for its expiry (a metric).
    private let onExpiry: (@Sendable () -> Void)?

    package init(expiry: TokenExpiry, onExpiry: (@Sendable () -> Void)? = nil) {
        self.expiry = expiry
        self.onExpiry = onExpiry
    }

    /// When the subscription will end; for a replay that checks each event it writes.
    package var closeAt: NIODeadline { expiry.closeAt }

    package func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        perform(expiry.start(at: context.eventLoop.now), context: context)
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        expiry.connectionEnded()
        cancelTimer()
        self.context = nil
    }

    package func channelInactive(context: ChannelHandlerContext) {
        expiry.connectionEnded()
        cancelTimer()
        context.fireChannelInactive()
    }

    package func handleScheduledCallback(eventLoop: some EventLoop) {
        timer = nil
        timerDeadline = nil
        guard let context else { return }
        perform(expiry.timerFired(at: eventLoop.now), context: context)
    }

    private func perform(_ action: TokenExpiry.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .schedule(let deadline):
            // Only when the deadline changed: a timer already set for it stays.
            guard deadline != timerDeadline else { return }
            cancelTimer()
            timerDeadline = deadline
            timer = try? context.eventLoop.assumeIsolated().scheduleCallback(at: deadline, handler: self)
        case .close:
            cancelTimer()
            onExpiry?()
            context.fireUserInboundEventTriggered(SubscriptionExpired())
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }
}
