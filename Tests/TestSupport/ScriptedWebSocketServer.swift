import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A WebSocket server that misbehaves on purpose: after the handshake it sends the frames it was
/// given (invalid UTF-8, fragmented control frames, ...) and then only listens, recording the
/// close codes the client sends and when the client hangs up. For testing how the library's
/// *client* fails a connection.
public final class ScriptedWebSocketServer: Sendable {
    private let channel: Channel
    private let record: NIOLockedValueBox<(closeCodes: [UInt16], hungUp: Int)>

    /// The port on 127.0.0.1.
    public var port: Int { channel.localAddress?.port ?? 0 }

    /// Close codes received from clients, in order.
    public var closeCodes: [UInt16] { record.withLockedValue { $0.closeCodes } }

    /// How many clients have closed their connection.
    public var hungUp: Int { record.withLockedValue { $0.hungUp } }

    private init(channel: Channel, record: NIOLockedValueBox<(closeCodes: [UInt16], hungUp: Int)>) {
        self.channel = channel
        self.record = record
    }

    /// Listens on 127.0.0.1 with a free port; every client gets `frames` after its handshake.
    /// - Parameter subprotocol: accepted when a client offers it (`wsevent.v1`: the frames then
    ///   play an upstream of this protocol).
    public static func start(sending frames: [WebSocketFrame], subprotocol: String? = nil) async throws -> ScriptedWebSocketServer {
        let record = NIOLockedValueBox<(closeCodes: [UInt16], hungUp: Int)>(([], 0))
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(
                    automaticErrorHandling: false,
                    shouldUpgrade: { channel, head in
                        let offered = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map(String.init)
                        var headers = HTTPHeaders()
                        if let subprotocol, offered.contains(subprotocol) { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
                        return channel.eventLoop.makeSucceededFuture(headers)
                    },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(Script(frames: frames, record: record))
                        }
                    }
                )
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ScriptedWebSocketServer(channel: channel, record: record)
    }

    /// A text frame as a server sends it (unmasked).
    public static func text(_ text: String) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text))
    }

    public func stop() async {
        try? await channel.close()
    }

    private final class Script: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame

        let frames: [WebSocketFrame]
        let record: NIOLockedValueBox<(closeCodes: [UInt16], hungUp: Int)>

        init(frames: [WebSocketFrame], record: NIOLockedValueBox<(closeCodes: [UInt16], hungUp: Int)>) {
            self.frames = frames
            self.record = record
        }

        func handlerAdded(context: ChannelHandlerContext) {
            for frame in frames { context.write(wrapOutboundOut(frame), promise: nil) }
            context.flush()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            guard frame.opcode == .connectionClose else { return }
            var payload = frame.unmaskedData
            let code = payload.readInteger(as: UInt16.self) ?? 1005
            record.withLockedValue { $0.closeCodes.append(code) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            record.withLockedValue { $0.hungUp += 1 }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            context.close(promise: nil)
        }
    }
}
