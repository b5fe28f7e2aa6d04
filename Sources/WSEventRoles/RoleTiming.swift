/// The timing defaults of the roles layer, in one table: the built-in producer's pace and how
/// reconnecting subscribers (relays, fan-ins, `wsclient`) back off. Each layer keeps its own
/// (``WebSocketTiming`` for connections, ``TransportTiming`` for SSE).
public enum RoleTiming {
    // MARK: The producer

    /// The built-in producer's pace.
    public static let produceInterval: Duration = .milliseconds(100)

    // MARK: Reconnecting subscribers (relays, fan-in, wsclient)

    /// The first reconnect delay; it doubles (with jitter) up to ``backoffMaximum``.
    public static let backoffInitial: Duration = .milliseconds(100)
    public static let backoffMaximum: Duration = .seconds(5)
    /// A connection that lasted this long starts the backoff over when it ends; one dropped
    /// sooner keeps backing off, so a server that refuses at once is not hammered.
    public static let lastingConnection: Duration = .seconds(5)
}
