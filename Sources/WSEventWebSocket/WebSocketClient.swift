import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// Opens client WebSocket connections.
public enum WebSocketClient {
    /// Connects to `url` and completes the handshake; a `wss://` URL over TLS, the server's
    /// certificate verified as ``WebSocketConfiguration/tls`` says.
    ///
    /// - Parameters:
    ///   - subprotocols: offered in `Sec-WebSocket-Protocol`; the accepted one is
    ///     ``WebSocketConnection/subprotocol``.
    ///   - headers: extra request headers (`Authorization`, `Origin`, ...).
    /// - Throws: ``WebSocketError`` when the server refuses the upgrade (with its status) or
    ///   does not answer it within ``WebSocketConfiguration/handshakeTimeout``, or the connect
    ///   fails (connection refused, ...).
    public static func connect(
        to url: WebSocketURL,
        subprotocols: [String] = [],
        headers: HTTPHeaders = [:],
        configuration: WebSocketConfiguration = WebSocketConfiguration(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> WebSocketConnection {
        let tls: NIOSSLContext?
        do {
            tls = url.isSecure ? try configuration.tls.makeContext() : nil
        } catch {
            throw WebSocketError.tlsFailed(error, url: url)
        }
        let loop = group.next()
        let upgraded = loop.makePromise(of: WebSocketConnection.self)
        var requestHeaders = headers
        if !subprotocols.isEmpty {
            requestHeaders.replaceOrAdd(name: "Sec-WebSocket-Protocol", value: subprotocols.joined(separator: ", "))
        }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [requestHeaders] channel in
                channel.eventLoop.makeCompletedFuture {
                    try ClientTLS.addHandlerIfSecure(tls, url: url, to: channel)
                    let requestHandler = UpgradeRequestHandler(
                        url: url,
                        headers: requestHeaders,
                        timeout: configuration.handshakeTimeout,
                        upgraded: upgraded
                    )
                    let boundRequestHandler = NIOLoopBound(requestHandler, eventLoop: channel.eventLoop)
                    let upgrader = NIOWebSocketClientUpgrader(
                        maxFrameSize: max(configuration.maxMessageSize, 125),
                        automaticErrorHandling: false,
                        upgradePipelineHandler: { channel, response in
                            channel.eventLoop.makeCompletedFuture {
                                let pipeline = channel.pipeline.syncOperations
                                pipeline.removeHandler(boundRequestHandler.value, promise: nil)
                                try pipeline.addHandler(
                                    WebSocketProtocolHandler(isServer: false, configuration: configuration)
                                )
                                let asyncChannel = try NIOAsyncChannel<WebSocketInbound, WebSocketOutbound>(
                                    wrappingChannelSynchronously: channel
                                )
                                let accepted = response.headers.first(name: "Sec-WebSocket-Protocol")
                                upgraded.succeed(
                                    WebSocketConnection(channel: asyncChannel, configuration: configuration, subprotocol: accepted, target: url.target)
                                )
                            }
                        }
                    )
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes,
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                    )
                    try channel.pipeline.syncOperations.addHandler(requestHandler)
                }
            }
        do {
            _ = try await bootstrap.connect(host: url.host, port: url.port).get()
        } catch {
            let wrapped = WebSocketError.connectFailed(error, url: url)
            upgraded.fail(wrapped)
            throw wrapped
        }
        return try await upgraded.futureResult.get()
    }
}
