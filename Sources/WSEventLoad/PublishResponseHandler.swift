import NIOCore
import NIOHTTP1

/// Hands a publishing connection's answers to its ``PublishConnection``.
final class PublishResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let connection: PublishConnection

    init(connection: PublishConnection) {
        self.connection = connection
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.attached(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): connection.responseHead(head)
        case .body: break
        case .end: connection.responseEnd()
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
