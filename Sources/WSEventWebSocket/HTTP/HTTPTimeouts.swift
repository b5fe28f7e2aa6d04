/// How long the HTTP request phase of a server connection may take. They apply before a
/// connection becomes a subscription only: an SSE response or a WebSocket is never timed out
/// by them (keepalive looks after those).
///
/// The defaults are the upgrade request's (``WebSocketTiming``). A server that takes request
/// bodies (publishes) gives them their own ``body`` timeout; without one, a body counts as part
/// of its request, due within the header timeout of the head.
public struct HTTPTimeouts: Sendable, Equatable {
    /// A request head must arrive within this of the connection's start, or of its first byte
    /// on a keep-alive connection; past it the client gets 408 and the connection is closed.
    public var header: Duration
    /// A keep-alive connection with no request for this long is closed.
    public var idle: Duration
    /// A request body must arrive within this of its head: 408, then closed. `nil`: within
    /// ``header``.
    public var body: Duration?

    public init(header: Duration = WebSocketTiming.headerTimeout, idle: Duration = WebSocketTiming.idleTimeout, body: Duration? = nil) {
        self.header = header
        self.idle = idle
        self.body = body
    }

    /// The body's bound in effect.
    var bodyOrHeader: Duration { body ?? header }
}
