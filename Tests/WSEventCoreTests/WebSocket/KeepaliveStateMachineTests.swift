import NIOCore
import Testing

@testable import WSEventCore

@Suite struct KeepaliveStateMachineTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func pingsAfterOneIntervalOfSilenceAndGivesUpAfterTwo() {
        let machine = KeepaliveStateMachine(interval: .seconds(10), now: start)
        #expect(machine.tick(at: start + .seconds(5)) == .none)
        #expect(machine.tick(at: start + .seconds(10)) == .sendPing)
        #expect(machine.tick(at: start + .seconds(20)) == .closeConnection)
    }

    @Test func anyFrameFromThePeerResetsTheClock() {
        var machine = KeepaliveStateMachine(interval: .seconds(10), now: start)
        machine.heardFromPeer(at: start + .seconds(15))
        #expect(machine.tick(at: start + .seconds(20)) == .none)
        #expect(machine.tick(at: start + .seconds(25)) == .sendPing)
    }
}
