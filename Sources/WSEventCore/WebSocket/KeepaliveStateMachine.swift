import NIOCore

/// Decides, on each keepalive tick, whether to ping the peer or give up on it.
///
/// Any frame from the peer counts as a sign of life. A peer silent for two whole intervals
/// (it ignored the ping sent after the first) is dead. Pure value logic, tested without I/O.
struct KeepaliveStateMachine {
    enum Action: Equatable {
        case none
        case sendPing
        case closeConnection
    }

    let interval: TimeAmount
    private var lastHeard: NIODeadline

    init(interval: TimeAmount, now: NIODeadline) {
        self.interval = interval
        self.lastHeard = now
    }

    mutating func heardFromPeer(at now: NIODeadline) {
        lastHeard = now
    }

    func tick(at now: NIODeadline) -> Action {
        let silence = now - lastHeard
        if silence >= interval * 2 { return .closeConnection }
        if silence >= interval { return .sendPing }
        return .none
    }
}
