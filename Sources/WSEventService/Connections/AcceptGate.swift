import NIOCore

/// Stops accepting while the server holds all the sockets ``ConnectionLimiter`` allows, and
/// starts again when one closes. It sits on the listening channel and withholds its `read()`:
/// the channel then takes its socket out of `epoll`, and new connections wait in the kernel's
/// backlog instead of taking file descriptors.
final class AcceptGate: ChannelDuplexHandler {
    typealias InboundIn = Channel
    typealias OutboundIn = Never

    private let limiter: ConnectionLimiter

    init(limiter: ConnectionLimiter) {
        self.limiter = limiter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let accepted = unwrapInboundIn(data)
        limiter.hold()
        let limiter = limiter
        let loop = context.eventLoop
        let listening = NIOLoopBound(context, eventLoop: loop)
        accepted.closeFuture.whenComplete { _ in
            guard limiter.unhold() else { return }
            loop.execute { listening.value.read() }
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        guard !limiter.withholdAcceptIfFull() else { return }
        context.read()
    }
}
