import NIOCore
import NIOHTTP1

/// Reads no more requests while the connection's answers are not written: a client that
/// pipelines requests and never reads its answers holds one answer, what the kernel's buffers
/// take, and the requests decoded from one read, not everything it sends.
///
/// A new request (its head) goes on only when every answer before it has been written to the
/// socket (the promise of its `.end` has completed) and the channel is writable; until then it
/// and what follows it wait here, and `read` is held back. Waiting for the writes themselves,
/// not only for the write buffer's high-water mark, is what bounds the memory: a small answer
/// costs several times its bytes (its buffers, the pending-write queue's entries, promises), so
/// a peer that never read once held 14.6 MB of 426 answers under a 4 MiB mark. A client that
/// reads loses nothing: its answers are written at once, so the next request goes on at once.
///
/// Waiting requests are handed on from a task of their own, never from inside the write that
/// freed them: NIO's pipeline handler hands on the next pipelined request from inside the write
/// of an answer's `.end`, which would otherwise re-enter the HTTP handler while it answers.
///
/// Sits right before the application's HTTP handler, so it sees every request NIO's HTTP
/// pipeline hands on; removed on upgrade.
package final class WritabilityReadGate: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPServerRequestPart
    package typealias InboundOut = HTTPServerRequestPart
    package typealias OutboundIn = HTTPServerResponsePart
    package typealias OutboundOut = HTTPServerResponsePart

    /// Request parts that may not go on yet, oldest first.
    private var held = CircularBuffer<NIOAny>()
    private var readHeld = false
    /// Answers whose `.end` was written to the pipeline but not yet to the socket.
    private var unwritten = 0
    /// A task to hand on what is held is scheduled.
    private var releaseScheduled = false
    private var removed = false

    package init() {}

    /// Whether a new request may go on now.
    private func mayStartRequest(_ context: ChannelHandlerContext) -> Bool {
        unwritten == 0 && context.channel.isWritable
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The rest of a request under way goes on; a new one waits for the answers before it,
        // and everything after a part that waits waits too.
        let isNewRequest = if case .head = unwrapInboundIn(data) { true } else { false }
        guard held.isEmpty, !isNewRequest || mayStartRequest(context) else { return held.append(data) }
        context.fireChannelRead(data)
    }

    /// A read whose requests wait here is not the start of an unfinished head for the handlers
    /// after us: told of it, the request timeout would run against a complete request that we
    /// hold (a client that pipelines and reads its answers slowly got 408s for requests it had
    /// sent whole). ``release(_:)`` tells them of the read with the parts it hands on.
    package func channelReadComplete(context: ChannelHandlerContext) {
        guard held.isEmpty else { return }
        context.fireChannelReadComplete()
    }

    package func read(context: ChannelHandlerContext) {
        guard held.isEmpty, mayStartRequest(context) else {
            readHeld = true
            return
        }
        context.read()
    }

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        unwritten += 1
        let written = promise ?? context.eventLoop.makePromise()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in
            let (gate, context) = loopBound.value
            gate.unwritten -= 1
            gate.scheduleRelease(context)
        }
        context.write(data, promise: written)
    }

    package func channelWritabilityChanged(context: ChannelHandlerContext) {
        context.fireChannelWritabilityChanged()
        scheduleRelease(context)
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        // Upgraded (or the connection is going): what waits here was sent after the upgrade
        // request and is not HTTP; the tasks scheduled must not touch the context any more.
        removed = true
        held.removeAll()
        // A read we held back (the 101 was not yet written when the channel asked) would be
        // lost with us: nothing would read the connection again, and the WebSocket peer's
        // frames (its pongs, its close) would sit in the kernel until keepalive gave up on it.
        if readHeld {
            readHeld = false
            context.channel.read()
        }
    }

    /// Hands on what may go on now, from a task of its own (see the type's comment).
    private func scheduleRelease(_ context: ChannelHandlerContext) {
        guard !releaseScheduled, !removed, mayStartRequest(context), !held.isEmpty || readHeld else { return }
        releaseScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (gate, context) = loopBound.value
            gate.releaseScheduled = false
            gate.release(context)
        }
    }

    private func release(_ context: ChannelHandlerContext) {
        guard !removed else { return }
        var delivered = false
        // NIO's pipeline handler hands on the next request only once this one is answered, so
        // what waits here is the parts of one request.
        while let data = held.first {
            if case .head = unwrapInboundIn(data), !mayStartRequest(context) { break }
            held.removeFirst()
            delivered = true
            context.fireChannelRead(data)
        }
        if delivered { context.fireChannelReadComplete() }
        if readHeld, held.isEmpty, mayStartRequest(context) {
            readHeld = false
            context.read()
        }
    }
}
