import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops accepting for a while when `accept` fails for want of resources (out of file
/// descriptors, say), and says so once per episode, and once that accepting works again.
///
/// NIO's `AcceptBackoffHandler` does not help here: it delays the next `read()`, but when the
/// *first* accept of a read fails, the listening channel never asks for another `read()` (its
/// read stays pending), so it keeps its interest in the readable socket and `epoll` wakes it at
/// once, again and again: one core spinning on failing `accept4`. Turning `autoRead` off takes
/// the socket out of `epoll` until the backoff has passed.
package final class AcceptBackoff: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = Channel

    /// The errors that a pause can cure: the process or the system is out of descriptors or
    /// memory. Anything else passes on untouched.
    package static let resourceErrors: Set<Int32> = [EMFILE, ENFILE, ENOBUFS, ENOMEM]

    private let logger: Logger
    private let onFailure: @Sendable () -> Void
    private let initialDelay: TimeAmount
    private let maximumDelay: TimeAmount
    private var nextDelay: TimeAmount
    private var failing = false
    private var resumption: Scheduled<Void>?

    /// - Parameters:
    ///   - initialDelay: the first pause of an episode; each failed retry doubles it,
    ///     up to `maximumDelay`. Each retry costs one `accept` call, so even short pauses are cheap.
    ///   - onFailure: called for each failed accept that pauses (a metric counts them).
    package init(
        logger: Logger,
        initialDelay: TimeAmount = .milliseconds(100),
        maximumDelay: TimeAmount = .seconds(1),
        onFailure: @escaping @Sendable () -> Void = {}
    ) {
        self.logger = logger
        self.onFailure = onFailure
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.nextDelay = initialDelay
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if failing {
            failing = false
            nextDelay = initialDelay
            logger.notice("accepting connections again")
        }
        context.fireChannelRead(data)
    }

    package func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let error = error as? IOError, Self.resourceErrors.contains(error.errnoCode) else {
            context.fireErrorCaught(error)
            return
        }
        onFailure()
        if !failing {
            failing = true
            logger.error("cannot accept connections: \(error); backing off until accepting works again")
        }
        pause(context: context)
    }

    package func channelInactive(context: ChannelHandlerContext) {
        resumption?.cancel()
        resumption = nil
        context.fireChannelInactive()
    }

    private func pause(context: ChannelHandlerContext) {
        guard resumption == nil, let options = context.channel.syncOptions else { return }
        try? options.setOption(.autoRead, value: false)
        let delay = nextDelay
        nextDelay = min(nextDelay * 2, maximumDelay)
        let loop = context.eventLoop.assumeIsolated()
        resumption = loop.scheduleTask(in: delay) { [self] in
            resumption = nil
            // Accepting again; if it still fails, errorCaught pauses again, a little longer.
            try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }
}
