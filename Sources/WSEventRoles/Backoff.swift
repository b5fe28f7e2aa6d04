import WSEventWebSocket

/// Exponential backoff with jitter for reconnecting: about 100 ms, 200 ms, 400 ms, ... capped at
/// `maximum`. Each delay is drawn from the upper half of its step ("equal jitter"), so a fleet
/// of relays that lost the same upstream does not reconnect in lockstep.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    private var attempt = 0

    public init(initial: Duration = RoleTiming.backoffInitial, maximum: Duration = RoleTiming.backoffMaximum) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the next attempt.
    public mutating func next<R: RandomNumberGenerator>(using generator: inout R) -> Duration {
        let step = min(initial * (1 << min(attempt, 30)), maximum)
        attempt += 1
        let half = step / 2
        return half + half * Double.random(in: 0...1, using: &generator)
    }

    public mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    /// Starts over after a successful connection.
    public mutating func reset() {
        attempt = 0
    }
}
