/// The NATS bridge's timings and limits, in one table (as each layer keeps its own).
public enum NATSTiming {
    /// How long one connect attempt may take (a server that does not answer the TCP handshake).
    public static let connectTimeout: Duration = .seconds(2)
    /// How often the server is pinged, and how many pings may go unanswered before the
    /// connection counts as lost (so a broker gone without a FIN is noticed within about this
    /// times three).
    public static let pingInterval: Duration = .seconds(5)
    public static let maxPingsOut = 3
    /// Reconnect delays: ``reconnectDelay(attempt:)`` doubles from this to ``reconnectMaximum``.
    public static let reconnectInitial: Duration = .milliseconds(100)
    public static let reconnectMaximum: Duration = .seconds(5)
    /// How often a JetStream bridge reads its stream's info while connected: it notices a
    /// stream deleted and made again (a new epoch), and one that appears after the bridge started.
    public static let streamCheck: Duration = .seconds(2)
    /// How long a JetStream request (stream info, a message by sequence) may take.
    public static let requestTimeout: Duration = .seconds(5)
    /// How long a publish may wait for JetStream's acknowledgement before it is answered 503.
    public static let publishAckTimeout: Duration = .seconds(5)
    /// Publishes waiting for their acknowledgement at most, per bridge; more are answered 503.
    public static let maxPublishesInFlight = 4096
    /// How long a subscriber from a further-along instance waits for this one to catch up.
    public static let catchUpWait: Duration = .seconds(2)
    /// What a core NATS subscription may queue in nats.c while the stream has no room, past
    /// which nats.c drops messages (a slow consumer) and the bridge counts them.
    public static let corePendingMessages: Int32 = 65536
    public static let corePendingBytes: Int32 = 64 << 20

    /// The delay before reconnect attempt `attempt` (0 first): doubling, capped, drawn from the
    /// upper half of its step so that many instances do not reconnect in lockstep.
    public static func reconnectDelay(attempt: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        let step = min(reconnectInitial * (1 << min(max(attempt, 0), 30)), reconnectMaximum)
        return step / 2 + (step / 2) * random
    }

    /// `duration` in whole milliseconds, as nats.c takes them.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
