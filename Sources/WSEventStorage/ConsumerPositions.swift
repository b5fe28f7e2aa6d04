import WSEventStreams

/// Named consumers' positions, kept by a store (`?consumer=NAME`): one connection per name at
/// a time, across every instance on the store, and a position that outlives the connection,
/// so a consumer that comes back resumes after the last event written to it.
///
/// The PostgreSQL store keeps them in a table; a broker's per-client queue is the same idea
/// with the broker holding the messages.
public protocol ConsumerPositions: Sendable {
    /// Why `name` cannot name a consumer here, in one line; `nil` when it can.
    func problem(withName name: String) -> String?

    /// Claims `name` on the stream at `path` for this connection.
    /// - Throws: when the store cannot be reached now (the client should retry).
    func claim(path: String, name: String) async throws -> ConsumerClaim
}

/// The answer to ``ConsumerPositions/claim(path:name:)``.
public enum ConsumerClaim: Sendable {
    /// The name is this connection's until it calls ``ConsumerLease/release()``.
    case claimed(any ConsumerLease)
    /// Another connection holds the name.
    case busy
}

/// One connection's claim on a consumer name, and its position.
public protocol ConsumerLease: Sendable {
    /// The consumer's name.
    var name: String { get }
    /// Where the consumer was when it last left: resume after it when the client gives no
    /// `since` (`nil`: a consumer new to the store starts with live events).
    var resume: ResumePoint? { get }
    /// Events up to `id` were written to the consumer's socket; any thread.
    func written(_ id: UInt64)
    /// The consumer left: its position is kept and its name freed. Once; later calls do nothing.
    func release()
}
