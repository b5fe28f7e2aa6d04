import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A WebSocket server for any application: every upgraded connection is handed to `handler`.
///
/// ```swift
/// let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 8080) { connection in
///     try await connection.run { inbound, outbound in
///         for try await message in inbound { try await outbound.send(message) }
///     }
/// }
/// try await server.run()
/// ```
public final class WebSocketServer: Sendable {
    public typealias Handler = @Sendable (WebSocketConnection) async throws -> Void

    private let serverChannel: Channel
    private let connections: AsyncStream<WebSocketConnection>
    private let handler: Handler

    /// The port the server listens on (useful after binding port 0).
    public var port: Int { serverChannel.localAddress?.port ?? 0 }

    private init(serverChannel: Channel, connections: AsyncStream<WebSocketConnection>, handler: @escaping Handler) {
        self.serverChannel = serverChannel
        self.connections = connections
        self.handler = handler
    }

    /// Listens on `host:port`. Plain HTTP requests get `426 Upgrade Required`.
    ///
    /// - Parameter subprotocols: the subprotocols this server speaks; of those a client offers,
    ///   the first it lists that is here is accepted (``WebSocketConnection/subprotocol``).
    public static func bind(
        host: String,
        port: Int,
        subprotocols: [String] = [],
        configuration: WebSocketConfiguration = WebSocketConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        handler: @escaping Handler
    ) async throws -> WebSocketServer {
        let (connections, continuation) = AsyncStream.makeStream(of: WebSocketConnection.self)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try WebSocketServerPipeline.configure(
                        channel: channel,
                        configuration: configuration,
                        httpHandler: UpgradeRequiredResponder(),
                        shouldUpgrade: { channel, head in
                            var headers = HTTPHeaders()
                            let offered = WebSocketServerPipeline.offeredSubprotocols(head.headers)
                            if let chosen = WebSocketServerPipeline.choose(from: offered, supported: subprotocols) {
                                headers.add(name: "Sec-WebSocket-Protocol", value: chosen)
                            }
                            return channel.eventLoop.makeSucceededFuture(headers)
                        },
                        upgraded: { channel, head in
                            let asyncChannel = try NIOAsyncChannel<WebSocketInbound, WebSocketOutbound>(
                                wrappingChannelSynchronously: channel
                            )
                            let subprotocol = WebSocketServerPipeline.choose(
                                from: WebSocketServerPipeline.offeredSubprotocols(head.headers),
                                supported: subprotocols
                            )
                            continuation.yield(
                                WebSocketConnection(channel: asyncChannel, subprotocol: subprotocol, target: head.uri)
                            )
                        }
                    )
                }
            }
            .bind(host: host, port: port)
            .get()
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        return WebSocketServer(serverChannel: channel, connections: connections, handler: handler)
    }

    /// Serves connections until the task is cancelled, then stops listening.
    public func run() async throws {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for await connection in connections {
                    group.addTask { try? await self.handler(connection) }
                }
            }
        } onCancel: {
            serverChannel.close(promise: nil)
        }
    }
}

/// Answers every plain HTTP request on a WebSocket-only server with 426.
final class UpgradeRequiredResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        HTTPResponseWriter.write(
            context: context,
            version: head.version,
            status: .upgradeRequired,
            headers: ["Upgrade": "websocket"],
            body: "this is a WebSocket endpoint: connect with a WebSocket client\n",
            keepAlive: false
        )
    }

    /// NIO's error handler has answered a malformed request with 400; shut the door.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is HTTPParserError { context.close(promise: nil) }
    }
}
