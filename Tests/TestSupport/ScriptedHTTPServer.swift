import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An HTTP server that answers every request the way a test scripts it, misbehaving on purpose:
/// silence, an event stream whose one line never ends, an endless flood of events, heartbeats
/// only, a refusal whose body never ends, a page where a stream was expected. For testing how
/// the library's clients (WebSocket and SSE) bound what a server can make them wait for or hold.
///
/// Streams are written only while the client reads (each write waits for the socket to take the
/// previous one), so ``bytesSent`` is what the client's side has taken, and stops growing when
/// the client stops reading.
public final class ScriptedHTTPServer: Sendable {
    public enum Answer: Sendable {
        /// Reads the request and never answers it.
        case silence
        /// `200 text/event-stream`, then `data: aaa...` that never ends its line.
        case endlessLine
        /// `200 text/event-stream`, then small events (`data: x`) for ever, as fast as they go.
        case endlessEvents
        /// `200 text/event-stream`, then a comment line every `interval`: a stream with no event.
        case heartbeats(interval: TimeAmount)
        /// `403 Forbidden` with a body of `go away` lines that never ends.
        case endlessRefusal
        /// `200 OK` with a small `text/html` page.
        case page
    }

    private let channel: Channel
    private let record: NIOLockedValueBox<Record>

    struct Record {
        var connections = 0
        var bytesSent = 0
        var requests: [String] = []
    }

    /// The port on 127.0.0.1.
    public var port: Int { channel.localAddress?.port ?? 0 }
    /// How many connections were accepted.
    public var connections: Int { record.withLockedValue { $0.connections } }
    /// Bytes of response bodies the sockets took so far, all connections together.
    public var bytesSent: Int { record.withLockedValue { $0.bytesSent } }
    /// The request heads received, in order.
    public var requests: [String] { record.withLockedValue { $0.requests } }

    private init(channel: Channel, record: NIOLockedValueBox<Record>) {
        self.channel = channel
        self.record = record
    }

    /// Listens on 127.0.0.1 with a free port; every request gets `answer`.
    public static func start(_ answer: Answer) async throws -> ScriptedHTTPServer {
        let record = NIOLockedValueBox(Record())
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                record.withLockedValue { $0.connections += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Script(answer: answer, record: record))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ScriptedHTTPServer(channel: channel, record: record)
    }

    public func stop() async {
        try? await channel.close()
    }

    private final class Script: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let answer: Answer
        let record: NIOLockedValueBox<Record>
        private var request: [UInt8] = []
        private var answering = false
        private var writing = false
        private var heartbeat: RepeatedTask?

        init(answer: Answer, record: NIOLockedValueBox<Record>) {
            self.answer = answer
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !answering else { return }
            request += unwrapInboundIn(data).readableBytesView
            guard let end = request.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            answering = true
            let head = String(decoding: request[..<end.lowerBound], as: UTF8.self)
            record.withLockedValue { $0.requests.append(head) }
            let streamHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
            switch answer {
            case .silence:
                return
            case .endlessLine:
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: streamHead + "data: ")), promise: nil)
                writeMore(context: context)
            case .endlessEvents:
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: streamHead)), promise: nil)
                writeMore(context: context)
            case .endlessRefusal:
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\n")), promise: nil)
                writeMore(context: context)
            case .page:
                let page = "<html>not a stream</html>"
                let answer = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: \(page.utf8.count)\r\n\r\n\(page)"
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
            case .heartbeats(let interval):
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: streamHead)), promise: nil)
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                heartbeat = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                    loopBound.value.writeAndFlush(NIOAny(ByteBuffer(string: ":\n\n")), promise: nil)
                }
            }
        }

        /// The next chunk of the endless body, once the socket took the previous one.
        private func writeMore(context: ChannelHandlerContext) {
            guard !writing, context.channel.isActive, let chunk else { return }
            writing = true
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(chunk)).whenComplete { [record] result in
                let (handler, context) = loopBound.value
                handler.writing = false
                guard case .success = result else { return }
                record.withLockedValue { $0.bytesSent += chunk.readableBytes }
                if context.channel.isWritable { handler.writeMore(context: context) }
            }
        }

        /// What the endless answers write again and again; `nil` for the others.
        private var chunk: ByteBuffer? {
            switch answer {
            case .endlessLine: Self.lineChunk
            case .endlessEvents: Self.eventsChunk
            case .endlessRefusal: Self.refusalChunk
            case .silence, .heartbeats, .page: nil
            }
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            if answering, context.channel.isWritable { writeMore(context: context) }
            context.fireChannelWritabilityChanged()
        }

        func channelInactive(context: ChannelHandlerContext) {
            heartbeat?.cancel()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            context.close(promise: nil)
        }

        private static let lineChunk = ByteBuffer(repeating: UInt8(ascii: "a"), count: 64 << 10)
        private static let eventsChunk = ByteBuffer(string: String(repeating: "data: x\n\n", count: 7282))
        private static let refusalChunk = ByteBuffer(string: String(repeating: "go away\n", count: 8192))
    }
}
