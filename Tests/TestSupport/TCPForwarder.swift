import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Forwards every TCP connection made to its port on 127.0.0.1 to another port there, byte for
/// byte, and can cut all the connections it carries at once: a network link that drops, for
/// tests of what reconnects and resumes. New connections are forwarded again after a cut.
public final class TCPForwarder: Sendable {
    private let channel: Channel
    private let carried: NIOLockedValueBox<(open: [ObjectIdentifier: Channel], total: Int)>

    /// The port on 127.0.0.1.
    public var port: Int { channel.localAddress?.port ?? 0 }
    /// How many connections were forwarded so far.
    public var connections: Int { carried.withLockedValue { $0.total } }

    private init(channel: Channel, carried: NIOLockedValueBox<(open: [ObjectIdentifier: Channel], total: Int)>) {
        self.channel = channel
        self.carried = carried
    }

    /// Listens on a free port and forwards to `port` on 127.0.0.1.
    public static func start(to port: Int) async throws -> TCPForwarder {
        let carried = NIOLockedValueBox<(open: [ObjectIdentifier: Channel], total: Int)>(([:], 0))
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                // The outbound side on the same event loop: the two glue halves call each other.
                ClientBootstrap(group: inbound.eventLoop)
                    .channelOption(.autoRead, value: false)
                    .connect(host: "127.0.0.1", port: port)
                    .flatMapThrowing { outbound in
                        let (a, b) = Glue.pair()
                        try inbound.pipeline.syncOperations.addHandler(a)
                        try outbound.pipeline.syncOperations.addHandler(b)
                        carried.withLockedValue {
                            $0.open[ObjectIdentifier(inbound)] = inbound
                            $0.total += 1
                        }
                        inbound.closeFuture.whenComplete { _ in
                            carried.withLockedValue { _ = $0.open.removeValue(forKey: ObjectIdentifier(inbound)) }
                        }
                        // Reading starts once both halves are glued, and goes on through
                        // the glue's `read`, which holds it while the other side is full.
                        try inbound.syncOptions?.setOption(.autoRead, value: true)
                        try outbound.syncOptions?.setOption(.autoRead, value: true)
                    }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return TCPForwarder(channel: channel, carried: carried)
    }

    /// Resets every connection carried now (both sides see it end).
    public func cutAll() {
        for channel in carried.withLockedValue({ Array($0.open.values) }) {
            channel.close(promise: nil)
        }
    }

    public func stop() async {
        cutAll()
        try? await channel.close()
    }

    /// One half of a forwarded connection: what it reads its partner writes, read only while
    /// the partner can write (so a slow side slows the other, as one TCP connection would).
    private final class Glue: ChannelDuplexHandler {
        typealias InboundIn = NIOAny
        typealias OutboundIn = NIOAny
        typealias OutboundOut = NIOAny

        private var partner: Glue?
        private var context: ChannelHandlerContext?
        private var pendingRead = false

        static func pair() -> (Glue, Glue) {
            let (a, b) = (Glue(), Glue())
            a.partner = b
            b.partner = a
            return (a, b)
        }

        func handlerAdded(context: ChannelHandlerContext) { self.context = context }

        func handlerRemoved(context: ChannelHandlerContext) {
            self.context = nil
            partner = nil
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            partner?.context?.write(data, promise: nil)
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            partner?.context?.flush()
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner?.context?.close(promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            context.close(promise: nil)
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            if context.channel.isWritable { partner?.partnerBecameWritable() }
        }

        private func partnerBecameWritable() {
            if pendingRead {
                pendingRead = false
                context?.read()
            }
        }

        func read(context: ChannelHandlerContext) {
            if partner?.context?.channel.isWritable ?? false {
                context.read()
            } else {
                pendingRead = true
            }
        }
    }
}
