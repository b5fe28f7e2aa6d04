/// How long the HTTP request phase of a server connection may take. They apply before a
/// connection becomes a subscription only: an SSE response or a WebSocket is never timed out
/// by them (keepalive looks after those).
public struct HTTPTimeouts: Sendable, Equatable {
    /// A request head must arrive within this of the connection's start, or of its first byte
    /// on a keep-alive connection; past it the client gets 408 and the connection is closed.
    public var header: Duration
    /// A keep-alive connection with no request for this long is closed.
    public var idle: Duration
    /// A request body (a publish) must arrive within this of its head: 408, then closed.
    public var body: Duration

    public init(header: Duration = Timing.headerTimeout, idle: Duration = Timing.idleTimeout, body: Duration = Timing.bodyTimeout) {
        self.header = header
        self.idle = idle
        self.body = body
    }
}
