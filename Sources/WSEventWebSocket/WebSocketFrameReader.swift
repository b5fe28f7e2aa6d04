import NIOCore
import NIOWebSocket

/// Cuts a server connection's bytes into frames with NIO's `WebSocketFrameDecoder`, driven
/// directly rather than through a `ByteToMessageHandler` (what NIO's own upgrade installs): that
/// one keeps queues for re-entrant writes and for handing leftovers on when it is removed, about
/// 400 bytes per connection that an upgraded connection never uses, and every idle subscriber
/// pays for what sits in its pipeline.
///
/// Bytes of an unfinished frame wait here for the rest (the decoder refuses a frame larger than
/// `maxFrameSize` from its header on, so they are bounded); once the decoder threw (the
/// protocol handler answers that with a close), nothing more is read, as with NIO's handler.
final class WebSocketFrameReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = WebSocketFrame

    private let decoder: WebSocketFrameDecoder
    /// The start of a frame whose end has not arrived; `nil` between frames.
    private var unfinished: ByteBuffer?
    private var failed = false

    init(maxFrameSize: Int) {
        decoder = WebSocketFrameDecoder(maxFrameSize: maxFrameSize)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var buffer = unwrapInboundIn(data)
        // Whether `buffer` is our own copy (an unfinished frame and what came after it), not
        // the channel's pooled read buffer.
        var owned = false
        if var unfinished = self.unfinished {
            self.unfinished = nil
            unfinished.writeBuffer(&buffer)
            buffer = unfinished
            owned = true
        }
        do {
            // The decoder hands each frame on itself, and says when it needs more bytes (a
            // frame of no payload can complete with none left).
            while case .continue = try decoder.decode(context: context, buffer: &buffer) {}
        } catch {
            failed = true
            context.fireErrorCaught(error)
            return
        }
        if buffer.readableBytes > 0 {
            if owned {
                // Ours already: keep it, so a large frame arriving in many reads is copied
                // once per read, not all of it again at each.
                unfinished = buffer
            } else {
                // A copy of just the rest: the read buffer itself goes back to the channel's pool.
                var rest = context.channel.allocator.buffer(capacity: buffer.readableBytes)
                rest.writeBuffer(&buffer)
                unfinished = rest
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        unfinished = nil
        context.fireChannelInactive()
    }
}
