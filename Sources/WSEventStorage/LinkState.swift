/// Where a link to something outside the process (a store, a broker) stands, as `/healthz` says
/// it: the `state` of ``StoreStatus`` and ``SourceStatus``.
public enum LinkState: String, Sendable {
    /// Never reached since start: a store's durable streams refuse subscribers and publishes, a
    /// source has fed nothing.
    case connecting
    /// Up: a store can commit publishes, a source feeds its stream.
    case connected
    /// Reached once, lost now, trying again with backoff: subscribers keep what they have, a
    /// store's publishes get 503.
    case reconnecting
}
