@testable import WSEventStreams

extension ReplayBuffer where Element == String {
    /// A buffer holding `"e<id>"` for each of `ids`.
    static func holding(_ ids: some Sequence<UInt64>, capacity: Int = 100) -> Self {
        var buffer = Self(capacity: capacity)
        for id in ids { buffer.append(id: id, "e\(id)") }
        return buffer
    }
}

extension ResumePlan where Element == String {
    /// The replay as lines, to compare whole plans: `gap F L`, or an event's id.
    var lines: [String] {
        items.map {
            switch $0 {
            case .gap(let first, let last): "gap \(first) \(last)"
            case .event(let id, _): "\(id)"
            }
        }
    }
}
