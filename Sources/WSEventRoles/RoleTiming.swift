/// The timing defaults of the roles layer, in one table: the built-in producer's pace and how
/// long a reconnecting subscriber's (relay, fan-in, `wsclient`) connection must last to start its
/// backoff over. Each layer keeps its own
/// (``WebSocketTiming`` for connections, ``TransportTiming`` for SSE).
public enum RoleTiming {
    // MARK: The producer

    /// The built-in producer's pace.
    public static let produceInterval: Duration = .milliseconds(100)

    // MARK: Reconnecting subscribers (relays, fan-in, wsclient)

    // Their delays are `Backoff`'s defaults (100 ms doubling to 5 s, in WSEventStreams, where
    // the stores' reconnects use it too).

    /// A connection that lasted this long starts the backoff over when it ends; one dropped
    /// sooner keeps backing off, so a server that refuses at once is not hammered.
    public static let lastingConnection: Duration = .seconds(5)
}
