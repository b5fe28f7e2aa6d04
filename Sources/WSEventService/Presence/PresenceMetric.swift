/// `wsevent_topic_subscribers`, the subscribers of each stream by transport, as `/metrics`
/// shows it: a gauge with a `path` label, whose number of series `-presence-metric-paths`
/// caps.
///
/// The busiest paths (most subscribers, then by path) get series of their own, one per
/// transport; the others are summed into `path="other"`, so `sum by (transport)` is exact
/// whatever the cap. A path may move in and out of the named ones as its crowd changes.
/// Written as text beside the registry's metrics: its series change with the streams, which
/// a registered gauge per path would have to be made and unregistered for.
enum PresenceMetric {
    static let name = "wsevent_topic_subscribers"
    /// What `path` says for the streams past the cap. Every stream path starts with `/`.
    static let otherPath = "other"

    /// The metric's lines for streams with these paths and counts (``WSEventStreams/StreamStatus/presence``),
    /// naming at most `maxPaths` paths; nothing when `maxPaths` is 0.
    static func exposition(_ streams: [(path: String, counts: [String: Int])], maxPaths: Int) -> String {
        guard maxPaths > 0 else { return "" }
        let ranked = streams.sorted { a, b in
            let (x, y) = (a.counts.values.reduce(0, +), b.counts.values.reduce(0, +))
            return x != y ? x > y : a.path < b.path
        }
        var lines = [
            "# HELP \(name) Subscribers of each stream on this instance, by transport (the busiest paths; the rest under path=\"\(otherPath)\").",
            "# TYPE \(name) gauge",
        ]
        func add(_ path: String, _ counts: [String: Int]) {
            for (transport, count) in PresenceReport.byTransport(counts).sorted(by: { $0.key < $1.key }) {
                lines.append("\(name){path=\"\(escape(path))\",transport=\"\(escape(transport))\"} \(count)")
            }
        }
        for stream in ranked.prefix(maxPaths) { add(stream.path, stream.counts) }
        if ranked.count > maxPaths {
            let rest = ranked.dropFirst(maxPaths).reduce(into: [String: Int]()) { sum, stream in
                sum.merge(stream.counts, uniquingKeysWith: +)
            }
            add(otherPath, rest)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A label value as the text format writes it: `\`, `"` and newlines escaped.
    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
