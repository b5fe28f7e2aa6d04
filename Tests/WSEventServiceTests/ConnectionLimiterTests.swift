import Testing

@testable import WSEventService

/// The sizing of the connection cap from the descriptor limit, and the accept gate's count.
@Suite struct ConnectionLimiterTests {
    @Test func theDefaultLeavesAReserveAndRoomForRefusals() {
        for descriptors in [64, 100, 256, 1024, 4096, 65536, 1 << 20] {
            let budget = ConnectionLimiter.connectionBudget(descriptors: descriptors)
            let limit = ConnectionLimiter.largestLimit(within: budget)
            #expect(budget <= descriptors - min(64, descriptors / 2), "\(descriptors)")
            #expect(limit + ConnectionLimiter.refusalSlots(for: limit) <= budget, "\(descriptors)")
            #expect(limit >= budget * 8 / 10, "\(descriptors): \(limit) of \(budget)")
        }
        #expect(ConnectionLimiter.connectionBudget(descriptors: 64) == 32)
        #expect(ConnectionLimiter.largestLimit(within: 32) == 29)
        #expect(ConnectionLimiter.connectionBudget(descriptors: 1024) == 922)
    }

    @Test func theGateWithholdsAtCapacityAndWakesOnceWhenAPlaceFrees() {
        let limiter = ConnectionLimiter(limit: 10)
        #expect(limiter.capacity == 11)
        for _ in 0..<11 { limiter.hold() }
        #expect(limiter.withholdAcceptIfFull())
        #expect(limiter.unhold(), "a withheld accept goes on")
        #expect(!limiter.unhold(), "once")
        #expect(!limiter.withholdAcceptIfFull())
    }

    @Test func admittedPastTheLimitAreRefusedAndCounted() {
        let limiter = ConnectionLimiter(limit: 2)
        #expect(limiter.admit())
        #expect(limiter.admit())
        #expect(!limiter.admit())
        #expect(limiter.refused == 1)
        limiter.release()
        #expect(limiter.admit())
        #expect(limiter.open == 2)
    }
}
