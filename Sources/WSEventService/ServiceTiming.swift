/// The timing defaults of the service, in one table: what the server times beyond its
/// connections (``WebSocketTiming``), SSE responses (``TransportTiming``) and the roles
/// (``RoleTiming``), whose tables ``ServiceConfiguration`` also takes its defaults from.
public enum ServiceTiming {
    /// A publish body must arrive within this of its head (408); the service's
    /// `-body-timeout` also bounds a fragmented WebSocket message by it (1008).
    public static let bodyTimeout: Duration = .seconds(30)
    /// A stream opened on demand (`-create-streams`) with no subscriber and no event for this
    /// long is removed.
    public static let streamIdleTimeout: Duration = .seconds(600)
    /// How long shutdown waits for subscribers to finish their close handshakes.
    public static let shutdownTimeout: Duration = .seconds(10)
}
