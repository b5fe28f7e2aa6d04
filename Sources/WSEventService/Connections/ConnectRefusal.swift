import NIOCore
import NIOHTTP1
import WSEventRoles
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// The answer to `CONNECT`: a framed `405`, then the connection is closed.
///
/// It cannot go through NIO's response encoder. The server pipeline's request decoder tells the
/// encoder each request's method, and the encoder takes any response to CONNECT for the switch
/// to a tunnel that only a 2xx is (RFC 9110 §9.3.6): it strips `Content-Length` and drops the
/// body. The client then sees a 405 framed by nothing and waits for the connection to close.
/// So the response is written as bytes beneath the encoder. The connection is closed after it
/// because the decoder stops parsing at a CONNECT (what follows would be the tunnel's bytes): no
/// further request could be read from it.
enum ConnectRefusal {
    static let allow = "GET, POST, OPTIONS"

    /// Writes the 405 beneath the encoder of `context`'s pipeline, then closes.
    static func answer(_ context: ChannelHandlerContext) {
        guard let encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self) else {
            // No encoder to write beneath (not the server pipeline): closing is all that is left.
            context.close(promise: nil)
            return
        }
        let bytes = response(allocator: context.channel.allocator)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        encoder.writeAndFlush(NIOAny(bytes)).whenComplete { _ in loopBound.value.close(promise: nil) }
    }

    /// The whole response: status line, headers, blank line, body.
    static func response(allocator: ByteBufferAllocator) -> ByteBuffer {
        let status = HTTPResponseStatus.methodNotAllowed
        let body = "CONNECT is not allowed: this server is no proxy; subscribe with GET, publish with POST\n"
        var text = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"
        text += "Allow: \(allow)\r\n"
        text += "Content-Type: text/plain; charset=utf-8\r\n"
        text += "Content-Length: \(body.utf8.count)\r\n"
        text += "Connection: close\r\n\r\n"
        return allocator.buffer(string: text + body)
    }
}
