import NIOCore
import Testing
import WSEventCore

@testable import WSEventPostgres

/// The follower's bookkeeping without a database: every id handed to the stream once, in
/// order, whatever order our commits, notifications and reads come in.
@Suite struct FollowerStateTests {
    let epoch = Epoch("e1")!

    func events(_ ids: ClosedRange<UInt64>) -> [Event] {
        ids.map { Event(id: $0, kind: .text, payload: ByteBuffer(string: "\($0)")) }
    }

    @Test func ownCommitsAreHandedOverWithoutAReadBack() {
        var state = FollowerState(epoch: epoch, lastID: 10)
        state.batchSent()
        state.batchAnswered(events(11...13), epoch: epoch)
        let (apply, then) = state.next()
        #expect(apply.map(\.id) == [11, 12, 13])
        #expect(then == .idle)
        #expect(state.applied == 13)
    }

    @Test func anotherInstancesEventsBeforeOursAreReadFirst() {
        var state = FollowerState(epoch: epoch, lastID: 10)
        // Another instance committed 11...12, then ours got 13...14.
        _ = state.notified(head: 12, epoch: epoch)
        state.batchSent()
        state.batchAnswered(events(13...14), epoch: epoch)
        var (apply, then) = state.next()
        #expect(apply.isEmpty)
        #expect(then == .read(after: 10, through: 12))
        apply = state.read(events(11...12), after: 10, through: 12, epoch: epoch)
        #expect(apply.map(\.id) == [11, 12])
        (apply, then) = state.next()
        #expect(apply.map(\.id) == [13, 14])
        #expect(then == .idle)
    }

    @Test func aNotificationDuringOurCommitWaitsForItsAnswerOnly() {
        var state = FollowerState(epoch: epoch, lastID: 0)
        state.batchSent()
        // The notification of our own batch arrives before its answer.
        _ = state.notified(head: 3, epoch: epoch)
        let step1 = state.next()
        #expect(step1.then == .wait)
        state.batchAnswered(events(1...3), epoch: epoch)
        let step2 = state.next()
        #expect(step2.apply.map(\.id) == [1, 2, 3])
        // Our next batch is in flight when another instance's event is learned of without a
        // notification of ours pending: it is read at once, not held behind our batches.
        state.batchSent()
        _ = state.learn(head: 4, epoch: epoch)
        let step3 = state.next()
        #expect(step3.then == .read(after: 3, through: 4))
    }

    @Test func aRangeThePruningRemovedIsSkipped() {
        var state = FollowerState(epoch: epoch, lastID: 0)
        _ = state.learn(head: 10, epoch: epoch)
        let step4 = state.next()
        #expect(step4.then == .read(after: 0, through: 10))
        let apply = state.read(events(6...10), after: 0, through: 10, epoch: epoch)
        #expect(apply.map(\.id) == [6, 7, 8, 9, 10])
        #expect(state.applied == 10)
        let step5 = state.next()
        #expect(step5.then == .idle)
    }

    @Test func aResetStartsOverAndDropsAReadOfTheOldEpoch() {
        var state = FollowerState(epoch: epoch, lastID: 50)
        _ = state.learn(head: 60, epoch: epoch)
        let step6 = state.next()
        #expect(step6.then == .read(after: 50, through: 60))
        let fresh = Epoch("e2")!
        let reset = state.learn(head: 2, epoch: fresh)
        #expect(reset)
        #expect(state.applied == 0)
        // The read begun before the reset is of the old epoch: nothing from it is handed over.
        let stale = state.read(events(51...60), after: 50, through: 60, epoch: epoch)
        #expect(stale.isEmpty)
        let step7 = state.next()
        #expect(step7.then == .read(after: 0, through: 2))
    }

    @Test func readsAreBoundedAndStopBeforeOurOwnEvents() {
        var state = FollowerState(epoch: epoch, lastID: 0)
        _ = state.learn(head: 5000, epoch: epoch)
        let step8 = state.next(maxRead: 1000)
        #expect(step8.then == .read(after: 0, through: 1000))
        var withOwn = FollowerState(epoch: epoch, lastID: 0)
        _ = withOwn.learn(head: 20, epoch: epoch)
        withOwn.batchSent()
        withOwn.batchAnswered(events(15...20), epoch: epoch)
        let step9 = withOwn.next()
        #expect(step9.then == .read(after: 0, through: 14))
    }
}
