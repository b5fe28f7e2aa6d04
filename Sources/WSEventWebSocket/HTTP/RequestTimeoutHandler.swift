import NIOCore
import NIOHTTP1

/// Bounds the HTTP request phase of a server connection by ``HTTPTimeouts``: a head that does
/// not arrive (a silent socket, a slowloris), a keep-alive connection left idle, a body that
/// never ends. Sits right before the application's HTTP handler; the decisions are
/// ``RequestPhase``'s. Removed on upgrade, and idle while a response streams, so subscriptions
/// are never timed out here.
package final class RequestTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPServerRequestPart
    package typealias InboundOut = HTTPServerRequestPart
    package typealias OutboundIn = HTTPServerResponsePart
    package typealias OutboundOut = HTTPServerResponsePart

    private var phase: RequestPhase
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    /// The response encoder's context: a 408 goes out from there as bytes, beside NIO's
    /// request/response bookkeeping, which has no request to pair it with.
    private var encoderContext: ChannelHandlerContext?
    /// Whether a request part came with the current read: then its bytes were not the start
    /// of a new, unfinished head.
    private var partsInThisRead = false

    package init(timeouts: HTTPTimeouts, now: NIODeadline) {
        self.phase = RequestPhase(timeouts: timeouts, now: now)
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        encoderContext = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
        reschedule(context: context)
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        encoderContext = nil
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partsInThisRead = true
        switch unwrapInboundIn(data) {
        case .head: phase.headReceived(at: context.eventLoop.now)
        case .body: break
        case .end: phase.endReceived(at: context.eventLoop.now)
        }
        reschedule(context: context)
        context.fireChannelRead(data)
    }

    package func channelReadComplete(context: ChannelHandlerContext) {
        if !partsInThisRead { phase.bytesArrived(at: context.eventLoop.now) }
        partsInThisRead = false
        reschedule(context: context)
        context.fireChannelReadComplete()
    }

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: phase.responseStarted()
        case .head, .body: break
        case .end: phase.responseEnded(at: context.eventLoop.now)
        }
        reschedule(context: context)
        context.write(data, promise: promise)
    }

    private func reschedule(context: ChannelHandlerContext) {
        let deadline = phase.deadline
        guard deadline != timerDeadline else { return }
        timer?.cancel()
        timer = nil
        timerDeadline = deadline
        guard let deadline else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = loopBound.value
            handler.expire(context: context)
        }
    }

    private func expire(context: ChannelHandlerContext) {
        timer = nil
        timerDeadline = nil
        switch phase.expire(at: context.eventLoop.now) {
        case .none:
            reschedule(context: context)
        case .close:
            context.close(promise: nil)
        case .requestTimeout:
            guard let encoderContext else { return context.close(promise: nil) }
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            encoderContext.writeAndFlush(NIOAny(IOData.byteBuffer(Self.requestTimeoutResponse))).whenComplete { _ in
                loopBound.value.close(promise: nil)
            }
        }
    }

    /// `408 Request Timeout`, closing.
    private static let requestTimeoutResponse = ByteBuffer(
        string: "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: 18\r\n\r\nrequest timed out\n"
    )
}
