import NIOCore

/// A publishing connection's side of core NATS: says `CONNECT` when the server's `INFO` came,
/// answers the server's `PING`s, and hands each `PONG` (the answer to the `PING` sent after each
/// `PUB`) and `-ERR` to its ``PublishConnection``. Lines are split here; nothing else of the
/// protocol is needed to publish.
final class NATSPublishResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let connection: PublishConnection
    private var pending: ByteBuffer?
    private var greeted = false

    init(connection: PublishConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if var buffered = pending {
            buffered.writeBuffer(&bytes)
            bytes = buffered
        }
        while let end = bytes.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = end - bytes.readerIndex
            let line = bytes.readString(length: length)?.trimmingSuffix("\r") ?? ""
            bytes.moveReaderIndex(forwardBy: 1)
            handle(line, context: context)
        }
        pending = bytes.readableBytes > 0 ? bytes : nil
    }

    private func handle(_ line: Substring, context: ChannelHandlerContext) {
        if line.hasPrefix("INFO"), !greeted {
            greeted = true
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"wsevent-bench\"}\r\n")), promise: nil)
            connection.attached(context)
        } else if line == "PING" {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "PONG\r\n")), promise: nil)
        } else if line == "PONG" {
            connection.answered(failure: nil)
        } else if line.hasPrefix("-ERR") {
            connection.answered(failure: String(line))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.connectionLost()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

extension String {
    /// Without one `suffix` at the end, if it has one.
    fileprivate func trimmingSuffix(_ suffix: Character) -> Substring {
        last == suffix ? dropLast() : self[...]
    }
}
