import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Builds the server side of a connection: HTTP/1.1 with a WebSocket upgrader, and after the
/// upgrade a ``WebSocketFrameReader`` and a ``WebSocketProtocolHandler`` (see ``WebSocketUpgrader``).
package enum WebSocketServerPipeline {
    /// Configures `channel`; call on its event loop.
    ///
    /// - Parameters:
    ///   - httpHandler: serves every request that is not upgraded; removed after an upgrade.
    ///   - shouldUpgrade: returns the extra response headers to accept, `nil` to refuse (the
    ///     request then goes to `httpHandler`, which gives the reason).
    ///   - upgraded: adds the application handlers after the protocol handler.
    ///   - timeouts: bound the request phase (``RequestTimeoutHandler``); with them, requests
    ///     are also read only once the answers before them are written (``WritabilityReadGate``),
    ///     and one read at a time.
    package static func configure(
        channel: Channel,
        configuration: WebSocketConfiguration,
        timeouts: HTTPTimeouts? = nil,
        httpHandler: any ChannelHandler & RemovableChannelHandler,
        shouldUpgrade: @escaping @Sendable (Channel, HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?>,
        upgraded: @escaping @Sendable (Channel, HTTPRequestHead) throws -> Void
    ) throws {
        let upgrader = WebSocketUpgrader(configuration: configuration, shouldUpgrade: shouldUpgrade, upgraded: upgraded)
        let requestPhase: [any RemovableChannelHandler] =
            timeouts.map { [WritabilityReadGate(), RequestTimeoutHandler(timeouts: $0, now: channel.eventLoop.now)] } ?? []
        let boundHandlers = NIOLoopBound(requestPhase + [httpHandler], eventLoop: channel.eventLoop)
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (
                upgraders: [upgrader],
                completionHandler: { context in
                    for handler in boundHandlers.value {
                        context.pipeline.syncOperations.removeHandler(handler, promise: nil)
                    }
                }
            ),
            withErrorHandling: true
        )
        try channel.pipeline.syncOperations.addHandlers(boundHandlers.value)
        if timeouts != nil {
            // What the gate holds back is at most what one wakeup read: one read (NIO does 4 by
            // default), so that 64 KiB of pipelined requests, not 256, wait decoded (about 1 MB
            // of small GETs, against 3 MB with 4 reads).
            try channel.syncOptions?.setOption(.maxMessagesPerRead, value: 1)
        }
    }

    /// The subprotocols a client offers in `Sec-WebSocket-Protocol`, in its order of preference.
    package static func offeredSubprotocols(_ headers: HTTPHeaders) -> [String] {
        headers[canonicalForm: "sec-websocket-protocol"].map { String($0.filter { $0 != " " && $0 != "\t" }) }
    }

    /// The first offered subprotocol the server supports, if any.
    package static func choose(from offered: [String], supported: [String]) -> String? {
        offered.first { supported.contains($0) }
    }
}
