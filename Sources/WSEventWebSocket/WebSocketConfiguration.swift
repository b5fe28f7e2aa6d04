/// Limits and timers of one WebSocket connection, server or client side.
public struct WebSocketConfiguration: Sendable {
    /// The largest message accepted, after reassembly; a larger one is closed with 1009.
    public var maxMessageSize: Int
    /// How long the peer may be silent before it is pinged. `nil` turns keepalive off.
    public var pingInterval: Duration?
    /// How long a ping may go unanswered (no pong, no frame at all) before the connection is
    /// closed with 1011. A peer that answers is never dropped; a silent one goes at most
    /// `pingInterval + pongTimeout` after it was last heard from.
    public var pongTimeout: Duration
    /// How long to wait for the peer's reply to our close frame before dropping the connection.
    public var closeTimeout: Duration
    /// How long a fragmented message may take from its first frame to its last; past it the
    /// connection is closed with 1008 (a policy, not the size: that is 1009). `nil`: no limit.
    public var fragmentTimeout: Duration?
    /// How a client verifies the server of a `wss://` URL; unused by servers.
    public var tls: ClientTLS = ClientTLS()
    /// How long a client's TCP connect may take; unused by servers.
    public var connectTimeout: Duration = WebSocketTiming.connectTimeout
    /// How long a client waits for the answer to its upgrade request (TLS handshake included);
    /// past it the connect fails with ``WebSocketError/Reason-swift.struct/handshakeTimedOut``.
    /// Unused by servers.
    public var handshakeTimeout: Duration = WebSocketTiming.handshakeTimeout

    public init(
        maxMessageSize: Int = 1 << 20,
        pingInterval: Duration? = WebSocketTiming.pingInterval,
        pongTimeout: Duration = WebSocketTiming.pongTimeout,
        closeTimeout: Duration = WebSocketTiming.closeTimeout,
        fragmentTimeout: Duration? = WebSocketTiming.fragmentTimeout
    ) {
        self.maxMessageSize = maxMessageSize
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
        self.closeTimeout = closeTimeout
        self.fragmentTimeout = fragmentTimeout
    }
}
