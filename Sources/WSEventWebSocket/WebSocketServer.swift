import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Whether a ``WebSocketServer`` upgrades a request, decided before the `101`.
public enum WebSocketUpgradeDecision: Sendable {
    /// Upgrade, adding these headers to the `101` response.
    case accept(headers: HTTPHeaders)
    /// Answer with this status (404, 403, ...) and one line saying why; no upgrade.
    case refuse(HTTPResponseStatus, reason: String)

    /// Upgrade with no extra headers.
    public static let accept = WebSocketUpgradeDecision.accept(headers: [:])
}

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
///
/// A connection whose handler returns is closed with 1000 (1011 if it threw), after a close
/// handshake bounded by the configuration's close timeout.
public final class WebSocketServer: Sendable {
    public typealias Handler = @Sendable (WebSocketConnection) async throws -> Void
    /// Decides on each upgrade request (path, headers, ...) before it is upgraded.
    public typealias ShouldUpgrade = @Sendable (HTTPRequestHead) -> WebSocketUpgradeDecision

    private let serverChannel: Channel
    private let connections: AsyncStream<WebSocketConnection>
    private let handler: Handler
    private let logger: Logger

    /// The port the server listens on (useful after binding port 0).
    public var port: Int { serverChannel.localAddress?.port ?? 0 }

    private init(serverChannel: Channel, connections: AsyncStream<WebSocketConnection>, handler: @escaping Handler, logger: Logger) {
        self.serverChannel = serverChannel
        self.connections = connections
        self.handler = handler
        self.logger = logger
    }

    /// Listens on `host:port`. Plain HTTP requests get `426 Upgrade Required`.
    ///
    /// A connection's requests are bounded as `wsevent-service`'s are: a head that does not
    /// arrive within `timeouts.header` gets `408` and the connection is closed (a silent socket
    /// or a slowloris holds nothing for long), a keep-alive connection idle for `timeouts.idle`
    /// is closed. An upgraded connection is never timed out by them (keepalive looks after it).
    ///
    /// - Parameters:
    ///   - subprotocols: the subprotocols this server speaks; of those a client offers, the
    ///     first it lists that is here is accepted (``WebSocketConnection/subprotocol``).
    ///   - timeouts: the bounds of the HTTP request before the upgrade (``WebSocketTiming``'s
    ///     defaults, the service's).
    ///   - logger: where errors thrown by `handler` are logged.
    ///   - shouldUpgrade: refuses requests before the upgrade (a wrong path, a missing token);
    ///     by default every WebSocket request is upgraded.
    public static func bind(
        host: String,
        port: Int,
        subprotocols: [String] = [],
        configuration: WebSocketConfiguration = WebSocketConfiguration(),
        timeouts: HTTPTimeouts = HTTPTimeouts(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "WebSocketServer"),
        shouldUpgrade: @escaping ShouldUpgrade = { _ in .accept },
        handler: @escaping Handler
    ) async throws -> WebSocketServer {
        let (connections, continuation) = AsyncStream.makeStream(of: WebSocketConnection.self)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoff(logger: logger))
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try WebSocketServerPipeline.configure(
                        channel: channel,
                        configuration: configuration,
                        timeouts: timeouts,
                        httpHandler: UpgradeRequiredResponder(shouldUpgrade: shouldUpgrade),
                        shouldUpgrade: { channel, head in
                            guard case .accept(var headers) = shouldUpgrade(head) else {
                                return channel.eventLoop.makeSucceededFuture(nil)
                            }
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
                                WebSocketConnection(
                                    channel: asyncChannel,
                                    configuration: configuration,
                                    subprotocol: subprotocol,
                                    target: head.uri
                                )
                            )
                        }
                    )
                }
            }
            .bind(host: host, port: port)
            .get()
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        return WebSocketServer(serverChannel: channel, connections: connections, handler: handler, logger: logger)
    }

    /// Serves connections until the task is cancelled, then stops listening.
    public func run() async throws {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for await connection in connections {
                    group.addTask { await self.serve(connection) }
                }
            }
        } onCancel: {
            serverChannel.close(promise: nil)
        }
    }

    private func serve(_ connection: WebSocketConnection) async {
        do {
            try await handler(connection)
            await connection.closeIfOpen(code: .normalClosure)
        } catch {
            if !(error is CancellationError) {
                logger.error("WebSocket handler failed", metadata: ["target": "\(connection.target)", "error": "\(error)"])
            }
            await connection.closeIfOpen(code: error is CancellationError ? .goingAway : .unexpectedServerError)
        }
    }
}
