/// The timing defaults of the WebSocket layer, in one table (as gorilla's chat keeps `writeWait`,
/// `pongWait` and `pingPeriod` together), so they can be read and compared at a glance.
/// ``WebSocketConfiguration`` and ``HTTPTimeouts`` take their defaults from here.
///
/// Each layer keeps its own table of what it times (the SSE transport, the reconnecting roles,
/// the service's publishes and shutdown); this one knows only WebSocket connections and the
/// HTTP request that upgrades them.
public enum WebSocketTiming {
    // MARK: Every WebSocket connection, server or client side

    /// A peer silent this long is pinged.
    public static let pingInterval: Duration = .seconds(30)
    /// A ping unanswered this long closes the connection (1011).
    public static let pongTimeout: Duration = .seconds(10)
    /// How long our close frame waits for the peer's before the connection is dropped.
    public static let closeTimeout: Duration = .seconds(5)
    /// A fragmented message must be finished within this of its first frame (1008).
    public static let fragmentTimeout: Duration = .seconds(30)

    // MARK: A client's connection

    /// The TCP connect.
    public static let connectTimeout: Duration = .seconds(10)
    /// The wait for the answer to the upgrade request (after the connect, TLS included).
    public static let handshakeTimeout: Duration = .seconds(30)

    // MARK: A server's upgrade request

    /// A request head must arrive within this of the connection's start (or of its first byte
    /// on a keep-alive connection): 408, then closed.
    public static let headerTimeout: Duration = .seconds(10)
    /// A keep-alive HTTP connection with no request for this long is closed.
    public static let idleTimeout: Duration = .seconds(60)
}
