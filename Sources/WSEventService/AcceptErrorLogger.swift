import Logging
import NIOCore

/// Says once per episode that connections cannot be accepted (out of file descriptors, say),
/// and once that they can again; NIO's `AcceptBackoffHandler` behind it stops the server
/// spinning on the failing accept in between.
final class AcceptErrorLogger: ChannelInboundHandler {
    typealias InboundIn = Channel

    private let logger: Logger
    private var failing = false

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if failing {
            failing = false
            logger.notice("accepting connections again")
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !failing, error is IOError {
            failing = true
            logger.error("cannot accept connections: \(error); backing off until accepting works again")
        }
        context.fireErrorCaught(error)
    }
}
