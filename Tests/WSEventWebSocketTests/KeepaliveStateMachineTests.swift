import NIOCore
import Testing

import WSEventCore
@testable import WSEventWebSocket

@Suite struct KeepaliveStateMachineTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func machine() -> KeepaliveStateMachine {
        KeepaliveStateMachine(pingInterval: .seconds(30), pongTimeout: .seconds(10), now: start)
    }

    @Test func pingsAfterAnIntervalOfSilenceAndClosesOnlyWhenThatPingGoesUnanswered() {
        var keepalive = machine()
        #expect(keepalive.nextDeadline == start + .seconds(30))
        #expect(keepalive.tick(at: start + .seconds(29)) == .none)
        #expect(keepalive.tick(at: start + .seconds(30)) == .sendPing)
        keepalive.pingWritten(at: start + .seconds(30))
        #expect(keepalive.awaitingPong)
        #expect(keepalive.nextDeadline == start + .seconds(40))
        #expect(keepalive.tick(at: start + .seconds(39)) == .none)
        #expect(keepalive.tick(at: start + .seconds(40)) == .closeConnection)
    }

    @Test func anyFrameAnswersThePingAndRestartsTheInterval() {
        var keepalive = machine()
        #expect(keepalive.tick(at: start + .seconds(30)) == .sendPing)
        keepalive.heardFromPeer(at: start + .seconds(31))
        #expect(!keepalive.awaitingPong)
        #expect(keepalive.tick(at: start + .seconds(40)) == .none)
        #expect(keepalive.nextDeadline == start + .seconds(61))
        #expect(keepalive.tick(at: start + .seconds(61)) == .sendPing)
    }

    /// The old rule (close after two silent intervals) dropped a peer whose pong landed just
    /// after the tick that sent the ping whenever the next ticks drifted later than the round
    /// trip. Here every tick fires late and every pong lands late, for 1000 intervals.
    @Test func aPeerThatAnswersIsNeverDroppedHoweverLateTheTimerFires() {
        var keepalive = machine()
        var now = start
        for _ in 0..<1000 {
            now = keepalive.nextDeadline + .milliseconds(900)  // the timer drifts
            #expect(keepalive.tick(at: now) == .sendPing)
            keepalive.pingWritten(at: now)
            now = now + .milliseconds(9_000)  // the pong takes most of the timeout
            #expect(keepalive.tick(at: now) == .none)
            keepalive.heardFromPeer(at: now)
        }
    }

    @Test func aBusyPeerIsNeverPinged() {
        var keepalive = machine()
        for second in 1...300 {
            keepalive.heardFromPeer(at: start + .seconds(Int64(second)))
            #expect(keepalive.tick(at: start + .seconds(Int64(second))) == .none)
        }
    }

    /// A ping queued behind frames the peer is still reading has not reached it: the pong is due
    /// a pong timeout after the ping is written, however long it waited in the queue.
    @Test func aPingQueuedBehindABacklogIsDueFromWhenItIsWritten() {
        var keepalive = machine()
        #expect(keepalive.tick(at: start + .seconds(30)) == .sendPing)
        #expect(keepalive.tick(at: start + .seconds(45)) == .none, "still queued: not late")
        keepalive.pingWritten(at: start + .seconds(55))
        #expect(keepalive.nextDeadline == start + .seconds(65))
        #expect(keepalive.tick(at: start + .seconds(64)) == .none)
        keepalive.heardFromPeer(at: start + .seconds(64))
        #expect(!keepalive.awaitingPong)
    }

    /// A peer that reads nothing at all never lets the ping out: it is still closed, after the
    /// allowance of pong timeouts for a queued ping.
    @Test func aPingThatNeverGetsOutEndsTheConnectionAfterTheAllowance() {
        var keepalive = machine()
        #expect(keepalive.tick(at: start + .seconds(30)) == .sendPing)
        let allowance = TimeAmount.seconds(10 * KeepaliveStateMachine.queuedPingAllowance)
        #expect(keepalive.nextDeadline == start + .seconds(30) + allowance)
        #expect(keepalive.tick(at: start + .seconds(30) + allowance - .seconds(1)) == .none)
        #expect(keepalive.tick(at: start + .seconds(30) + allowance) == .closeConnection)
    }
}
