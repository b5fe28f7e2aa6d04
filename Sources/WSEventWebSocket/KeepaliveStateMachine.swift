import NIOCore

/// Decides when to ping the peer and when to give up on it. Pure value logic, tested without I/O.
///
/// Liveness is decided by *an unanswered ping*, never by silence alone:
/// - a peer silent for `pingInterval` gets one ping;
/// - only if nothing at all (a pong or any other frame) arrives within `pongTimeout` of that ping
///   is the peer dead.
///
/// So a peer that answers is never dropped, however late the timer fires: the deadline to close
/// is always measured from the ping that was actually sent. A silent peer is dropped at most
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

    let pingInterval: TimeAmount
    let pongTimeout: TimeAmount
    private var lastHeard: NIODeadline
    /// When the unanswered ping was sent, if one is out.
    private var pingSent: NIODeadline?

    init(pingInterval: TimeAmount, pongTimeout: TimeAmount, now: NIODeadline) {
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
        self.lastHeard = now
    }

    /// Any frame from the peer: it is alive, and answers the outstanding ping if there is one.
    mutating func heardFromPeer(at now: NIODeadline) {
        lastHeard = now
        pingSent = nil
    }

    /// Whether a ping is out and not answered yet.
    var awaitingPong: Bool { pingSent != nil }

    /// When the handler should call ``tick(at:)`` next.
    var nextDeadline: NIODeadline {
        if let pingSent { return pingSent + pongTimeout }
        return lastHeard + pingInterval
    }

    mutating func tick(at now: NIODeadline) -> Action {
        if let pingSent {
            return now - pingSent >= pongTimeout ? .closeConnection : .none
        }
        guard now - lastHeard >= pingInterval else { return .none }
        pingSent = now
        return .sendPing
    }
}
