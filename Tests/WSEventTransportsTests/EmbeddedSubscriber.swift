import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket

@testable import WSEventTransports
@testable import WSEventWebSocket
import WSEventCore

/// A ``StreamSubscriberHandler`` on an `EmbeddedChannel`, behind the same NIO encoders that
/// carry its writes in the server (WebSocket: frame encoder and protocol handler; SSE: the HTTP
/// response encoder, after the response head), and what a client would read from it.
///
/// Delivery is driven by hand: the stream's ``LoopShard`` queues its work on the embedded loop,
/// so a test publishes and then calls `loop.run()`; timers fire on `loop.advanceTime(by:)`.
final class EmbeddedSubscriber {
    let channel: EmbeddedChannel
    let valve = FlushValve()
    private let isSSE: Bool
    /// The client's frame decoder (WebSocket), fed with whatever the server flushed.
    private let peer = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: 1 << 20)))
    /// SSE: flushed bytes not parsed yet, and whether the response head was seen.
    private var wire: [UInt8] = []
    private var sawHead = false
    private var body: [UInt8] = []

    /// - Parameters:
    ///   - writable: what the channel reports as `isWritable` (see ``FlushValve``).
    ///   - holdingFlushes: start with the valve shut, as if the peer read nothing.
    init(
        _ stream: WireEventStream,
        _ format: SubscriberFormat,
        resume: ResumePoint? = nil,
        maxPendingBytes: Int = 1 << 20,
        loop: EmbeddedEventLoop,
        writable: Bool = true,
        holdingFlushes: Bool = false
    ) throws {
        channel = EmbeddedChannel(loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        channel.isWritable = writable
        valve.isShut = holdingFlushes
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(valve)
        switch format {
        case .webSocket:
            isSSE = false
            try pipeline.addHandler(WebSocketFrameEncoder())
            // No keepalive: these tests are about the subscriber, and pings would be frames too.
            try pipeline.addHandler(WebSocketProtocolHandler(isServer: true, configuration: WebSocketConfiguration(pingInterval: nil)))
        case .sse:
            isSSE = true
            try pipeline.addHandler(HTTPResponseEncoder())
            // As ServiceHTTPHandler does: the head is written, the subscriber flushes it.
            let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Content-Type": "text/event-stream"])
            channel.write(HTTPServerResponsePart.head(head), promise: nil)
        }
        try pipeline.addHandler(
            StreamSubscriberHandler(
                stream: stream,
                format: format,
                resume: resume,
                maxPendingBytes: maxPendingBytes,
                logger: .init(label: "test")
            )
        )
    }

    /// What the client has received since the last call, one string per message: a WebSocket
    /// message's payload (`close <code>` for a close frame), an SSE event block without its
    /// blank line (`:` for a heartbeat, `end` when the response ended).
    func received() throws -> [String] {
        var messages: [String] = []
        while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
            if isSSE {
                wire += bytes.readableBytesView
            } else {
                try peer.writeInbound(bytes)
            }
        }
        if isSSE {
            return readSSE()
        }
        while let frame = try peer.readInbound(as: WebSocketFrame.self) {
            var data = frame.unmaskedData
            if frame.opcode == .connectionClose {
                messages.append("close \(data.readInteger(as: UInt16.self) ?? 0)")
            } else {
                messages.append(String(buffer: data))
            }
        }
        return messages
    }

    /// Undoes the chunked transfer coding of the SSE response and cuts the body into events.
    private func readSSE() -> [String] {
        let crlf: [UInt8] = [13, 10]
        if !sawHead, let end = wire.firstRange(of: crlf + crlf) {
            wire.removeSubrange(..<end.upperBound)
            sawHead = true
        }
        var ended = false
        while sawHead, let line = wire.firstRange(of: crlf),
            let size = Int(String(decoding: wire[..<line.lowerBound], as: UTF8.self), radix: 16),
            wire.count >= line.upperBound + size + 2
        {
            body += wire[line.upperBound..<(line.upperBound + size)]
            wire.removeSubrange(..<(line.upperBound + size + 2))
            if size == 0 { ended = true }
        }
        var messages: [String] = []
        while let blank = body.firstRange(of: [10, 10]) {
            messages.append(String(decoding: body[..<blank.lowerBound], as: UTF8.self))
            body.removeSubrange(..<blank.upperBound)
        }
        return ended ? messages + ["end"] : messages
    }

    /// The channel's unflushed bytes, as the handler reads them.
    var pendingBytes: Int {
        (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? -1
    }
}

/// Stands for a socket whose peer has stopped reading: while shut, flushes stop here, so the
/// bytes written stay pending in the channel, which is what `bufferedWritableBytes` counts.
///
/// An `EmbeddedChannel` never turns unwritable by itself; tests set `isWritable` to what a
/// socket channel reports once its pending bytes pass the write-buffer high-water mark.
/// (Sendable for `NIOAsyncTestingChannel`s, whose tests touch it on their loop only.)
final class FlushValve: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = IOData

    var isShut = false
    private var held = false
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func flush(context: ChannelHandlerContext) {
        if isShut {
            held = true
        } else {
            context.flush()
        }
    }

    /// Lets everything written so far go out, as a peer that reads again.
    func open() {
        isShut = false
        if held, let context {
            held = false
            context.flush()
        }
    }
}
