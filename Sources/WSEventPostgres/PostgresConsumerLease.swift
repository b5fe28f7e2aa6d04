import NIOConcurrencyHelpers
import WSEventStorage
import WSEventStreams

/// One connection's claim on a consumer name in the store, and its position: written back by
/// ``ConsumerCursors`` in batches, and at once when released.
final class PostgresConsumerLease: ConsumerLease {
    struct Snapshot {
        var owner: String
        var streamID: Int64
        var name: String
        var epoch: String
        /// -1: nothing written yet (the stored position stays).
        var lastID: Int64
        var released: Bool
    }

    /// The consumer's name.
    let name: String
    /// Where the consumer was when it last left: resume after it when the client gives no
    /// `since` (`nil`: a consumer new to the store starts with live events).
    let resume: ResumePoint?
    let owner: String
    let streamID: Int64
    private let epoch: Epoch
    private let state = NIOLockedValueBox((lastID: Int64(-1), released: false))
    private let cursors: ConsumerCursors

    init(owner: String, streamID: Int64, name: String, epoch: Epoch, resume: ResumePoint?, cursors: ConsumerCursors) {
        self.owner = owner
        self.streamID = streamID
        self.name = name
        self.epoch = epoch
        self.resume = resume
        self.cursors = cursors
    }

    /// Events up to `id` were written to the consumer's socket; any thread.
    func written(_ id: UInt64) {
        state.withLockedValue { $0.lastID = max($0.lastID, Int64(clamping: id)) }
    }

    /// The consumer left: its position is written back and its name freed. Once.
    func release() {
        let first = state.withLockedValue { state -> Bool in
            defer { state.released = true }
            return !state.released
        }
        if first { cursors.released() }
    }

    func snapshot() -> Snapshot {
        let (lastID, released) = state.withLockedValue { ($0.lastID, $0.released) }
        return Snapshot(owner: owner, streamID: streamID, name: name, epoch: epoch.rawValue, lastID: lastID, released: released)
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
