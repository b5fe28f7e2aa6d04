import NIOCore

/// When a subscription whose authorization expires must end. Pure value logic, tested without
/// I/O; ``TokenExpiryHandler`` feeds it the clock and does what it returns.
///
/// The subscription ends at `closeAt`: the token's `exp` less a jitter (drawn once, at most
/// ``maxJitter``, at most a tenth of what the token had left when it was admitted), so that a
/// cohort of tokens issued together does not reconnect at one instant, and so that no event is
/// written under a token past its `exp` (the jitter moves the close earlier, never later). A
/// timer that fires early (or a stale one) is answered with the deadline again, never a close;
/// a close is returned once.
package struct TokenExpiry: Sendable, Equatable {
    package enum Action: Sendable, Equatable {
        /// Look again at this deadline.
        case schedule(NIODeadline)
        /// End the subscription now (WebSocket: close code 4401; SSE: end the response).
        case close
        /// Nothing more: it has closed, or the connection has gone.
        case none
    }

    /// When the subscription ends.
    package let closeAt: NIODeadline
    private var done = false

    /// - Parameters:
    ///   - expiresAt: the token's `exp` on the loop's clock.
    ///   - now: the loop's clock at admission.
    ///   - jitterFraction: where in the jitter window to close, 0 (at `exp`) to 1 (earliest);
    ///     drawn at random by the caller.
    package init(expiresAt: NIODeadline, now: NIODeadline, maxJitter: TimeAmount, jitterFraction: Double) {
        let left = max(expiresAt - now, .zero)
        let window = min(maxJitter, .nanoseconds(left.nanoseconds / 10))
        let fraction = min(max(jitterFraction, 0), 1)
        closeAt = expiresAt - .nanoseconds(Int64(Double(window.nanoseconds) * fraction))
    }

    /// The handler joined the pipeline: the timer is set even when `closeAt` has passed, so
    /// the close comes on the loop's next turn, once the subscriber behind it has joined too.
    package mutating func start(at now: NIODeadline) -> Action {
        done ? .none : .schedule(closeAt)
    }

    /// The timer fired (perhaps early, perhaps late).
    package mutating func timerFired(at now: NIODeadline) -> Action {
        guard !done else { return .none }
        guard now >= closeAt else { return .schedule(closeAt) }
        done = true
        return .close
    }

    /// The connection ended by itself: nothing more to do.
    package mutating func connectionEnded() {
        done = true
    }

    /// Whether the subscription may still be written to at `now`: what a replay checks before
    /// each event, since a replay can outlast the token.
    package func allowsWrites(at now: NIODeadline) -> Bool {
        !done && now < closeAt
    }
}
