import NIOCore

/// Limits and timers of one WebSocket connection, server or client side.
public struct WebSocketConfiguration: Sendable {
    /// The largest message accepted, after reassembly; a larger one is closed with 1009.
    public var maxMessageSize: Int
    /// How often an idle peer is pinged; a peer silent for twice this long is dropped.
    /// `nil` turns keepalive off.
    public var pingInterval: TimeAmount?
    /// How long to wait for the peer's reply to our close frame before dropping the connection.
    public var closeTimeout: TimeAmount

    public init(
        maxMessageSize: Int = 1 << 20,
        pingInterval: TimeAmount? = .seconds(30),
        closeTimeout: TimeAmount = .seconds(5)
    ) {
        self.maxMessageSize = maxMessageSize
        self.pingInterval = pingInterval
        self.closeTimeout = closeTimeout
    }
}
