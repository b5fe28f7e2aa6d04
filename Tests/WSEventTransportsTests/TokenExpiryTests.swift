import NIOCore
import Testing

@testable import WSEventTransports

/// When a subscription whose token expires ends, on a clock driven by hand.
@Suite struct TokenExpiryTests {
    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)

    @Test func itClosesOnceAtItsDeadlineWhateverTheTimerDoes() {
        var expiry = TokenExpiry(expiresAt: Self.start + .seconds(100), now: Self.start, maxJitter: .seconds(5), jitterFraction: 0)
        #expect(expiry.closeAt == Self.start + .seconds(100))
        #expect(expiry.start(at: Self.start) == .schedule(expiry.closeAt))
        // Early or stale fires: the deadline again, never a close.
        for early in stride(from: 0, to: 100, by: 7) {
            #expect(expiry.timerFired(at: Self.start + .seconds(Int64(early))) == .schedule(expiry.closeAt))
        }
        #expect(expiry.allowsWrites(at: Self.start + .seconds(99)))
        #expect(!expiry.allowsWrites(at: Self.start + .seconds(100)))
        #expect(expiry.timerFired(at: Self.start + .seconds(100)) == .close)
        // Late fires after the close: nothing more, a thousand times over.
        for late in 0..<1000 {
            #expect(expiry.timerFired(at: Self.start + .seconds(100 + Int64(late))) == .none)
        }
        #expect(!expiry.allowsWrites(at: Self.start))
    }

    @Test func theJitterMovesTheCloseEarlierNeverLater() {
        // A long token: the full jitter window.
        let long = TokenExpiry(expiresAt: Self.start + .seconds(3600), now: Self.start, maxJitter: .seconds(5), jitterFraction: 1)
        #expect(long.closeAt == Self.start + .seconds(3595))
        let middle = TokenExpiry(expiresAt: Self.start + .seconds(3600), now: Self.start, maxJitter: .seconds(5), jitterFraction: 0.5)
        #expect(middle.closeAt == Self.start + .milliseconds(3_597_500))
        // A short token: at most a tenth of what it had left.
        let short = TokenExpiry(expiresAt: Self.start + .seconds(2), now: Self.start, maxJitter: .seconds(5), jitterFraction: 1)
        #expect(short.closeAt == Self.start + .milliseconds(1800))
        // Out-of-range draws are clamped.
        let clamped = TokenExpiry(expiresAt: Self.start + .seconds(10), now: Self.start, maxJitter: .seconds(5), jitterFraction: 7)
        #expect(clamped.closeAt == Self.start + .seconds(9))
        let past = TokenExpiry(expiresAt: Self.start - .seconds(1), now: Self.start, maxJitter: .seconds(5), jitterFraction: 1)
        #expect(past.closeAt == Self.start - .seconds(1))
    }

    @Test func anAlreadyExpiredTokenClosesOnTheFirstFireNotBefore() {
        var expiry = TokenExpiry(expiresAt: Self.start - .seconds(1), now: Self.start, maxJitter: .seconds(5), jitterFraction: 0)
        // Scheduled, so the subscriber behind the handler has joined when the close comes.
        #expect(expiry.start(at: Self.start) == .schedule(expiry.closeAt))
        #expect(expiry.timerFired(at: Self.start) == .close)
    }

    @Test func aConnectionThatEndedNeedsNothingMore() {
        var expiry = TokenExpiry(expiresAt: Self.start + .seconds(10), now: Self.start, maxJitter: .seconds(5), jitterFraction: 0)
        expiry.connectionEnded()
        #expect(expiry.start(at: Self.start) == .none)
        #expect(expiry.timerFired(at: Self.start + .seconds(20)) == .none)
    }
}
