import NIOCore
import NIOHTTP1

/// Writes one complete, small HTTP response: the way every refusal and plain answer is sent.
package enum HTTPResponseWriter {
    package static func write(
        context: ChannelHandlerContext,
        version: HTTPVersion = .http1_1,
        status: HTTPResponseStatus,
        headers extraHeaders: HTTPHeaders = [:],
        contentType: String = "text/plain; charset=utf-8",
        body: String,
        keepAlive: Bool
    ) {
        var headers = extraHeaders
        headers.replaceOrAdd(name: "Content-Type", value: contentType)
        headers.replaceOrAdd(name: "Content-Length", value: String(body.utf8.count))
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: status, headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        let done = context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
        if !keepAlive {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in loopBound.value.close(promise: nil) }
        }
    }
}
