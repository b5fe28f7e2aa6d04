/// Every timing default of wsevent, in one table (as gorilla's chat keeps `writeWait`,
/// `pongWait` and `pingPeriod` together), so the timeouts can be read and compared at a glance.
/// The configurations' defaults and the CLI's flag defaults come from here.
public enum Timing {
    // MARK: Every WebSocket connection, server or client side

    /// A peer silent this long is pinged.
    public static let pingInterval: Duration = .seconds(30)
    /// A ping unanswered this long closes the connection (1011).
    public static let pongTimeout: Duration = .seconds(10)
    /// How long our close frame waits for the peer's before the connection is dropped.
    public static let closeTimeout: Duration = .seconds(5)
    /// A client's TCP connect.
    public static let connectTimeout: Duration = .seconds(10)
    /// A client's wait for the answer to its upgrade request (or an SSE response's head).
    public static let handshakeTimeout: Duration = .seconds(30)

    // MARK: Reconnecting subscribers (relays, fan-in, wsclient)

    /// The first reconnect delay; it doubles (with jitter) up to ``backoffMaximum``.
    public static let backoffInitial: Duration = .milliseconds(100)
    public static let backoffMaximum: Duration = .seconds(5)
    /// A connection that lasted this long starts the backoff over when it ends; one dropped
    /// sooner keeps backing off, so a server that refuses at once is not hammered.
    public static let lastingConnection: Duration = .seconds(5)

    // MARK: The server

    /// A request head must arrive within this of the connection's start (or of its first byte
    /// on a keep-alive connection): 408, then closed.
    public static let headerTimeout: Duration = .seconds(10)
    /// A keep-alive HTTP connection with no request for this long is closed.
    public static let idleTimeout: Duration = .seconds(60)
    /// A publish body must arrive within this of its head (408), and a fragmented WebSocket
    /// message be finished within this of its first frame (1008).
    public static let bodyTimeout: Duration = .seconds(30)
    /// The built-in producer's pace.
    public static let produceInterval: Duration = .milliseconds(100)
    /// How often an SSE subscriber gets a comment, so proxies keep the response open.
    public static let sseHeartbeat: Duration = .seconds(15)
    /// The reconnect delay EventSource is told (`retry:`).
    public static let sseRetry: Duration = .seconds(2)
    /// How long an ended SSE response may take to go out before the connection is closed.
    public static let sseEndTimeout: Duration = .seconds(5)
    /// A stream opened on demand (`-create-streams`) with no subscriber and no event for this
    /// long is removed.
    public static let streamIdleTimeout: Duration = .seconds(600)
    /// How long shutdown waits for subscribers to finish their close handshakes.
    public static let shutdownTimeout: Duration = .seconds(10)
}
