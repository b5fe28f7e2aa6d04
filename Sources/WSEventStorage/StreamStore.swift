import WSEventStreams

/// A place outside the process that keeps origin streams: it assigns the ids, keeps the epoch
/// and the events, and feeds the stream of every instance on it, so instances are replicas of
/// one log. PostgreSQL is one (`WSEventPostgres`); a broker's log (JetStream) goes beside it.
///
/// The server drives a store in three calls: ``serve(_:)`` for each stream it makes durable,
/// ``run()`` for the life of the server, ``status`` for `/healthz`. Everything else goes through
/// the stream: its ``DurableLog`` (publishes, history older than the replay buffer, catching up
/// with another instance) and ``EventStream``'s store hooks (`followStore`, `mirror`,
/// `noteStoreHead`), which the store calls as it learns of commits.
public protocol StreamStore: Sendable, CustomStringConvertible {
    /// Makes `stream` durable: once the store is reached, its ids, epoch and events are the
    /// store's log at its path, shared with every instance on the same store. Call before
    /// ``run()``, with a stream made with source `.awaitingUpstream`: it refuses subscribers
    /// and publishes until the store has been reached once.
    func serve<Element: StreamElement>(_ stream: EventStream<Element>)

    /// Connects (and reconnects with backoff), opens the served streams, follows every
    /// instance's commits, and keeps whatever it keeps (retention, consumer positions) until
    /// the task is cancelled. Every task it starts ends before it returns.
    func run() async

    /// Where the store stands, for `/healthz`.
    var status: StoreStatus { get }

    /// Named consumers' positions (`?consumer=NAME`); `nil` for a store that keeps none.
    var consumers: (any ConsumerPositions)? { get }
}
