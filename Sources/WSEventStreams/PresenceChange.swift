/// A subscriber joined or left a stream: what a stream's presence observer is told
/// (``EventStream/observePresence(_:)``), in the order the changes happened on that stream.
public struct PresenceChange: Sendable, Hashable {
    public enum Change: String, Sendable {
        case join
        case leave
    }

    /// The stream's path.
    public var path: String
    public var change: Change
    /// The subscriber's kind, its transport: `websocket`, `websocket-v1`, `sse`, or `in-process`
    /// (``StreamSubscriber/presenceKind``).
    public var kind: String
    /// The stream's subscribers after the change, by kind; kinds with none are left out.
    public var counts: [String: Int]

    public init(path: String, change: Change, kind: String, counts: [String: Int]) {
        self.path = path
        self.change = change
        self.kind = kind
        self.counts = counts
    }

    /// All the stream's subscribers after the change.
    public var subscribers: Int { counts.values.reduce(0, +) }
}
