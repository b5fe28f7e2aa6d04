import NIOCore
import NIOHTTP1
import NIOWebSocket
import WSEventStreams
import WSEventWebSocket

/// How a subscriber's channel carries events: the only part of a subscription that differs
/// between WebSocket (plain or `wsevent.v1`) and Server-Sent Events.
package enum SubscriberFormat {
    case webSocket(WireMode)
    /// `retry` is the reconnect hint in milliseconds; `heartbeat` the comment interval.
    case sse(retry: Int, heartbeat: TimeAmount)

    /// The event's shared, pre-encoded bytes in this format.
    func bytes(of event: EncodedEvent) -> ByteBuffer {
        switch self {
        case .webSocket(let mode): event.frame(for: mode)
        case .sse: event.sseEvent
        }
    }

    /// The message to write for an event.
    func message(for event: EncodedEvent) -> NIOAny {
        switch self {
        case .webSocket: NIOAny(WebSocketOutbound.encodedFrame(bytes(of: event)))
        case .sse: NIOAny(HTTPServerResponsePart.body(.byteBuffer(bytes(of: event))))
        }
    }

    /// The message announcing lost ids, if this format can say so (plain WebSocket cannot).
    func gapMessage(first: UInt64, last: UInt64, allocator: ByteBufferAllocator) -> NIOAny? {
        switch self {
        case .webSocket(.plain): nil
        case .webSocket(.v1):
            NIOAny(WebSocketOutbound.encodedFrame(V1Header.gap(first: first, last: last).controlFrame(allocator: allocator)))
        case .sse: NIOAny(HTTPServerResponsePart.body(.byteBuffer(SSEFormat.gap(first: first, last: last))))
        }
    }

    /// What goes first: `hello` for v1, the `retry` hint for SSE.
    func greeting(epoch: Epoch, lastID: UInt64, allocator: ByteBufferAllocator) -> NIOAny? {
        switch self {
        case .webSocket(.plain): nil
        case .webSocket(.v1):
            NIOAny(WebSocketOutbound.encodedFrame(V1Header.hello(epoch: epoch, lastID: lastID).controlFrame(allocator: allocator)))
        case .sse(let retry, _): NIOAny(HTTPServerResponsePart.body(.byteBuffer(SSEFormat.retry(milliseconds: retry))))
        }
    }

    /// The SSE keepalive comment (SSE only).
    var heartbeatMessage: NIOAny {
        NIOAny(HTTPServerResponsePart.body(.byteBuffer(SSEFormat.heartbeat)))
    }

    /// Whether ids matter to the subscriber, so a restarted stream must end its subscription.
    var tracksIDs: Bool {
        if case .webSocket(.plain) = self { return false }
        return true
    }

    var name: String {
        switch self {
        case .webSocket(.plain): "websocket"
        case .webSocket(.v1): "websocket-v1"
        case .sse: "sse"
        }
    }

    /// Every format's ``name``: the kinds a stream's presence counts its socket subscribers by.
    package static let presenceKinds = ["websocket", "websocket-v1", "sse"]

    /// Ends the subscription: WebSocket with a close code (the protocol handler bounds the
    /// handshake), SSE by ending the response, or at once for a subscriber too slow to read it.
    func close(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        switch self {
        case .webSocket:
            context.writeAndFlush(NIOAny(WebSocketOutbound.close(code, reason: "")), promise: nil)
        case .sse where code == .tryAgainLater:
            context.close(promise: nil)
        case .sse:
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
                loopBound.value.close(promise: nil)
            }
            context.eventLoop.scheduleTask(in: TimeAmount(TransportTiming.sseEndTimeout)) { loopBound.value.close(promise: nil) }
        }
    }
}
