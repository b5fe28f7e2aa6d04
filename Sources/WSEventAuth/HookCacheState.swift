import DequeModule
import NIOCore

/// The backend's answers, each until it expires, and the questions in flight: so that a
/// reconnect storm of one credential asks the backend once. Pure value logic (no lock, no I/O),
/// generic over what stands for a pending answer; ``AuthorizationHook`` holds it behind a lock.
///
/// Memory is bounded: at most `capacity` answers are kept; past it the oldest goes, expired or
/// not (what is asked again is asked once more of the backend, no more).
struct HookCacheState<Pending: Sendable>: Sendable {
    enum Lookup {
        /// An answer that has not expired.
        case cached(HookDecision)
        /// The same question is being asked: wait for its answer.
        case inFlight(Pending)
        /// Ask the backend (the question is now in flight under `pending`).
        case ask
    }

    private struct Entry {
        var decision: HookDecision
        var until: NIODeadline
        var serial: UInt64
    }

    let capacity: Int
    private var answers: [HookCacheKey: Entry] = [:]
    /// Keys in the order they were stored, with the serial of that store (a key stored again
    /// leaves a stale element behind, skipped when it comes up).
    private var order: Deque<(key: HookCacheKey, serial: UInt64)> = []
    private var inFlight: [HookCacheKey: Pending] = [:]
    private var serial: UInt64 = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 0)
    }

    var count: Int { answers.count }

    /// What to do for `key` at `now`; `.ask` registers `pending` as its question in flight.
    mutating func lookup(_ key: HookCacheKey, now: NIODeadline, pending: () -> Pending) -> Lookup {
        if let entry = answers[key] {
            if now < entry.until { return .cached(entry.decision) }
            answers[key] = nil
        }
        if let waiting = inFlight[key] { return .inFlight(waiting) }
        inFlight[key] = pending()
        return .ask
    }

    /// The backend answered (or did not): the question is no longer in flight, and the answer
    /// is kept for `cacheFor` if that is more than zero.
    mutating func answered(_ key: HookCacheKey, decision: HookDecision, cacheFor: Duration, now: NIODeadline) {
        inFlight[key] = nil
        guard cacheFor > .zero, capacity > 0 else { return }
        serial &+= 1
        answers[key] = Entry(decision: decision, until: now + TimeAmount(cacheFor), serial: serial)
        order.append((key, serial))
        while answers.count > capacity, let oldest = order.popFirst() {
            if answers[oldest.key]?.serial == oldest.serial { answers[oldest.key] = nil }
        }
        // Stale elements (keys stored again, or expired and dropped) are bounded too.
        if order.count > 2 * max(capacity, 16) {
            order = Deque(order.filter { answers[$0.key]?.serial == $0.serial })
        }
    }
}
