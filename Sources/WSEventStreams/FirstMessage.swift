/// What a subscriber that gives no resume point (`since`, `Last-Event-ID`, a named consumer's
/// position) gets before live events: `-first-message`.
///
/// It only chooses where such a subscriber's replay starts (``start(lastID:epoch:oldestHeld:capacity:)``):
/// the replay itself is the one every resume takes (``ResumePlan``, and the store's history
/// for a durable stream), so the events come with their ids, in order, and the subscriber
/// resumes after the last one it got like any other.
public enum FirstMessage: Sendable, Hashable, CustomStringConvertible {
    /// Live events only: what a subscriber without a resume point has always got.
    case live
    /// The newest `count` events (`newest` is 1), fewer when the stream has fewer.
    case newest(Int)
    /// Every event the stream keeps for replay (its `-buffer`), oldest first.
    case oldest

    /// The largest count `-N` may name: ``ServiceConfiguration``'s largest `-buffer`.
    public static let maxCount = 10_000_000

    /// `newest`, `oldest`, `live` or `-N` (N from 1 to ``maxCount``); `nil` for anything else.
    public init?(_ text: String) {
        switch text {
        case "live": self = .live
        case "newest": self = .newest(1)
        case "oldest": self = .oldest
        default:
            guard text.hasPrefix("-"), let count = Int(text.dropFirst()), text.dropFirst().allSatisfy(\.isNumber),
                (1...Self.maxCount).contains(count)
            else { return nil }
            self = .newest(count)
        }
    }

    /// The flag's spelling: `live`, `newest`, `oldest` or `-N`.
    public var description: String {
        switch self {
        case .live: "live"
        case .newest(1): "newest"
        case .newest(let count): "-\(count)"
        case .oldest: "oldest"
        }
    }

    /// Where the replay of a subscriber without a resume point starts; `nil`: live only.
    ///
    /// - Parameters:
    ///   - lastID: the stream's last id; `epoch` its epoch.
    ///   - oldestHeld: the oldest id the stream can replay: its replay buffer's first (the id
    ///     after `lastID` when it holds none), or 1 for a stream whose store reaches back
    ///     further than memory (its history is read from there).
    ///   - capacity: how many events the stream keeps for replay (`-buffer`): what `oldest` is.
    ///
    /// The start never reaches below `oldestHeld`, so such a replay never begins with a `gap`:
    /// the subscriber asked for no particular event, only for what there is.
    public func start(lastID: UInt64, epoch: Epoch, oldestHeld: UInt64, capacity: Int) -> ResumePoint? {
        let count: Int
        switch self {
        case .live: return nil
        case .newest(let newest): count = newest
        case .oldest: count = capacity
        }
        let wanted = lastID - min(UInt64(max(count, 0)), lastID)
        let held = max(oldestHeld, 1) - 1
        return ResumePoint(since: max(wanted, min(held, lastID)), epoch: epoch)
    }
}
