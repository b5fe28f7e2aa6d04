/// Where a source (or a store) reached over a network stands, for `/healthz`, and the
/// bookkeeping of its link: pure, so a bridge's callbacks only report what happened.
///
/// `connecting` until the first connection, `connected` while up, `reconnecting` after a loss
/// (or a refused attempt after the first success); each loss of a connection that was up
/// counts one reconnect, whatever number of attempts follow.
public struct SourceStatus: Sendable, Equatable {
    /// `connecting` (never reached since start), `connected`, `reconnecting` (reached once,
    /// lost now; trying again with backoff).
    public typealias State = LinkState

    /// The source's URL, without a password.
    public var url: String
    public var state: State
    /// Why the source is not connected (or what it could not do), in one line; `nil` once it is.
    public var lastError: String?
    /// Connections lost after being up.
    public var reconnects: Int
    /// How the stream's ids relate to the source's, when the source says: `local` (the instance
    /// gives them), or why (`the filter orders.eu is narrower than stream ORDERS`).
    public var ids: String?

    public init(url: String, state: State = .connecting, lastError: String? = nil, reconnects: Int = 0, ids: String? = nil) {
        self.url = url
        self.state = state
        self.lastError = lastError
        self.reconnects = reconnects
        self.ids = ids
    }

    /// Whether the link is up.
    public var isConnected: Bool { state == .connected }

    /// Whether the source was ever reached: before that, it has fed nothing.
    public var wasReached: Bool { state != .connecting }

    /// The link is up. Returns whether that is news (for a log line once per change).
    @discardableResult
    public mutating func connected() -> Bool {
        defer {
            state = .connected
            lastError = nil
        }
        return state != .connected
    }

    /// The link went down, or an attempt failed, because of `reason`. Returns whether the link
    /// was up until now (a loss, counted once).
    @discardableResult
    public mutating func lost(_ reason: String) -> Bool {
        lastError = reason
        guard state == .connected else { return false }
        state = .reconnecting
        reconnects += 1
        return true
    }

    /// The link is up but something it must do failed (a subscription refused): kept as the
    /// last error without changing the state.
    public mutating func note(_ problem: String?) {
        lastError = problem
    }
}
