import NIOCore
import NIOHTTP1

/// Reads no more requests while the connection's responses are not written: a client that
/// pipelines requests and never reads its answers holds at most the write buffer's high-water
/// mark of responses, plus the requests of one read, not everything it sends.
///
/// While the channel is not writable, `read` is held back and requests already decoded wait
/// here; both go on when it is writable again. Sits right before the application's HTTP
/// handler, so it sees every request NIO's HTTP pipeline hands on; removed on upgrade.
package final class WritabilityReadGate: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPServerRequestPart
    package typealias InboundOut = HTTPServerRequestPart
    package typealias OutboundIn = HTTPServerResponsePart
    package typealias OutboundOut = HTTPServerResponsePart

    /// Request parts that arrived while the channel was not writable, oldest first.
    private var held: [NIOAny] = []
    private var readHeld = false

    package init() {}

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard context.channel.isWritable, held.isEmpty else { return held.append(data) }
        context.fireChannelRead(data)
    }

    package func read(context: ChannelHandlerContext) {
        guard context.channel.isWritable, held.isEmpty else {
            readHeld = true
            return
        }
        context.read()
    }

    package func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        guard context.channel.isWritable else { return }
        if !held.isEmpty {
            while context.channel.isWritable, !held.isEmpty {
                context.fireChannelRead(held.removeFirst())
            }
            context.fireChannelReadComplete()
        }
        if readHeld, held.isEmpty, context.channel.isWritable {
            readHeld = false
            context.read()
        }
    }
}
