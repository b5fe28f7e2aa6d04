import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Upgrades a server connection to WebSocket: NIO's upgrader checks the request and builds the
/// `101` (key, version, `Sec-WebSocket-Accept`), then this one sets up the pipeline itself, with
/// only what an upgraded connection needs: a ``WebSocketFrameReader`` and a
/// ``WebSocketProtocolHandler`` that encodes its own (unmasked) frames. NIO's own upgrade would
/// add a `ByteToMessageHandler` and a frame encoder, about 600 bytes per connection between them,
/// which every idle subscriber would keep.
struct WebSocketUpgrader: HTTPServerProtocolUpgrader, Sendable {
    private let handshake: NIOWebSocketServerUpgrader
    private let maxFrameSize: Int
    private let configuration: WebSocketConfiguration
    private let upgraded: @Sendable (Channel, HTTPRequestHead) throws -> Void

    init(
        configuration: WebSocketConfiguration,
        shouldUpgrade: @escaping @Sendable (Channel, HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?>,
        upgraded: @escaping @Sendable (Channel, HTTPRequestHead) throws -> Void
    ) {
        maxFrameSize = max(configuration.maxMessageSize, 125)
        self.configuration = configuration
        self.upgraded = upgraded
        handshake = NIOWebSocketServerUpgrader(
            maxFrameSize: maxFrameSize,
            automaticErrorHandling: false,
            shouldUpgrade: shouldUpgrade,
            // Not called: `upgrade` below replaces NIO's.
            upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() }
        )
    }

    var supportedProtocol: String { handshake.supportedProtocol }
    var requiredUpgradeHeaders: [String] { handshake.requiredUpgradeHeaders }

    func buildUpgradeResponse(channel: Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders) -> EventLoopFuture<HTTPHeaders> {
        handshake.buildUpgradeResponse(channel: channel, upgradeRequest: upgradeRequest, initialResponseHeaders: initialResponseHeaders)
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        context.eventLoop.makeCompletedFuture {
            let pipeline = context.pipeline.syncOperations
            try pipeline.addHandler(WebSocketFrameReader(maxFrameSize: maxFrameSize))
            try pipeline.addHandler(WebSocketProtocolHandler(isServer: true, configuration: configuration, encodesFrames: true))
            try upgraded(context.channel, upgradeRequest)
        }
    }
}
