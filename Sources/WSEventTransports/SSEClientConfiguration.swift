import WSEventWebSocket

/// Limits and timers of the SSE client's connections.
public struct SSEClientConfiguration: Sendable {
    /// The largest event payload taken (a binary one once decoded); a line or event that could
    /// only carry a larger one ends the connection with ``SSEClientError/Reason-swift.struct/eventTooLarge``.
    public var maxMessageSize: Int
    /// How an `https://` server's certificate is verified.
    public var tls: ClientTLS
    /// How long the TCP connect may take.
    public var connectTimeout: Duration
    /// How long the response head may take to arrive after the request went out.
    public var responseTimeout: Duration

    public init(
        maxMessageSize: Int = 1 << 20,
        tls: ClientTLS = ClientTLS(),
        connectTimeout: Duration = TransportTiming.sseConnectTimeout,
        responseTimeout: Duration = TransportTiming.sseResponseTimeout
    ) {
        self.maxMessageSize = maxMessageSize
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
    }

    /// The bound on one line or event that follows from ``maxMessageSize``.
    var maxEventBytes: Int { SSEParser.maxEventBytes(forMessageSize: maxMessageSize) }
}
