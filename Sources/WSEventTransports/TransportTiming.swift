/// The timing defaults of the transports layer (SSE, served and consumed), in one table; each
/// layer keeps its own (``WebSocketTiming`` for WebSocket connections and their upgrade).
public enum TransportTiming {
    // MARK: SSE responses this server writes

    /// How often an SSE subscriber gets a comment, so proxies keep the response open.
    public static let sseHeartbeat: Duration = .seconds(15)
    /// The reconnect delay EventSource is told (`retry:`).
    public static let sseRetry: Duration = .seconds(2)
    /// How long an ended SSE response may take to go out before the connection is closed.
    public static let sseEndTimeout: Duration = .seconds(5)

    // MARK: The SSE client

    /// The client's TCP connect.
    public static let sseConnectTimeout: Duration = .seconds(10)
    /// The client's wait for the response head after its request.
    public static let sseResponseTimeout: Duration = .seconds(30)
}
