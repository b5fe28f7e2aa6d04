/// How much of a stream the store keeps for resuming subscribers: the newest `count` events,
/// those younger than `age`, or both (whichever drops an event first). Older events are
/// pruned in the background; a subscriber resuming before them is told of a `gap`.
public struct Retention: Sendable, Hashable, CustomStringConvertible {
    /// The newest events kept; `nil`: no bound by count.
    public var count: Int?
    /// How long an event is kept; `nil`: no bound by age.
    public var age: Duration?

    public init(count: Int? = nil, age: Duration? = nil) {
        self.count = count
        self.age = age
    }

    /// The default: a million events, and at most seven days.
    public static let standard = Retention(count: 1_000_000, age: .seconds(7 * 24 * 3600))

    public var description: String {
        let parts = [count.map { "\($0) events" }, age.map { "\($0.components.seconds)s" }].compactMap { $0 }
        return parts.isEmpty ? "unbounded" : parts.joined(separator: ", ")
    }
}
