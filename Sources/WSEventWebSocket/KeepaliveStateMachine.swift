import NIOCore

/// Decides when to ping the peer and when to give up on it. Pure value logic, tested without I/O.
///
/// Liveness is decided by *an unanswered ping*, never by silence alone:
/// - a peer silent for `pingInterval` gets one ping;
/// - only if nothing at all (a pong or any other frame) arrives within `pongTimeout` of that ping
///   is the peer dead.
///
/// So a peer that answers is never dropped, however late the timer fires: the deadline to close
/// is always measured from the ping that was actually sent, and *sent* means written to the
/// socket. A ping queued behind our own unwritten frames (a subscriber reading a backlog of
/// events) has not reached the peer, so its pong cannot be late yet: the pong timeout starts
/// when the ping is written (``pingWritten(at:)``). Until then the peer is given
/// `queuedPingAllowance` pong timeouts for our frames ahead of the ping to drain; a peer that
/// reads nothing at all is still closed then, and one too slow for its backlog is closed sooner
/// by the pending-bytes bound. A silent peer is dropped at most
/// `pingInterval + pongTimeout` after it was last heard from (plus the timer's scheduling delay).
///
/// The handler asks ``nextDeadline`` when to look again and calls ``tick(at:)`` then; it need
/// not reschedule on every frame, since a tick that finds the peer was heard just answers with a
/// later deadline.
struct KeepaliveStateMachine {
    enum Action: Equatable {
        /// Nothing to do until ``nextDeadline``.
        case none
        /// Send a ping now; the pong is due by ``nextDeadline``.
        case sendPing
        /// The ping went unanswered for `pongTimeout`: the peer is gone.
        case closeConnection
    }

    /// How many pong timeouts a ping may wait behind our own frames before it is written.
    static let queuedPingAllowance: Int64 = 6

    let pingInterval: TimeAmount
    let pongTimeout: TimeAmount
    private var lastHeard: NIODeadline
    /// When the unanswered ping was sent (queued, or written once ``pingIsQueued`` is false).
    private var pingSent: NIODeadline?
    /// Whether the outstanding ping still waits in our write queue.
    private var pingIsQueued = false

    init(pingInterval: TimeAmount, pongTimeout: TimeAmount, now: NIODeadline) {
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
        self.lastHeard = now
    }

    /// Any frame from the peer: it is alive, and answers the outstanding ping if there is one.
    mutating func heardFromPeer(at now: NIODeadline) {
        lastHeard = now
        pingSent = nil
        pingIsQueued = false
    }

    /// The outstanding ping reached the socket: its pong is due `pongTimeout` from now.
    mutating func pingWritten(at now: NIODeadline) {
        guard pingSent != nil, pingIsQueued else { return }
        pingSent = now
        pingIsQueued = false
    }

    /// Whether a ping is out and not answered yet.
    var awaitingPong: Bool { pingSent != nil }

    /// When the handler should call ``tick(at:)`` next.
    var nextDeadline: NIODeadline {
        if let pingSent { return pingSent + answerWindow }
        return lastHeard + pingInterval
    }

    /// How long the outstanding ping may go unanswered from `pingSent`.
    private var answerWindow: TimeAmount {
        pingIsQueued ? pongTimeout * Self.queuedPingAllowance : pongTimeout
    }

    mutating func tick(at now: NIODeadline) -> Action {
        if let pingSent {
            return now - pingSent >= answerWindow ? .closeConnection : .none
        }
        guard now - lastHeard >= pingInterval else { return .none }
        pingSent = now
        pingIsQueued = true
        return .sendPing
    }
}
