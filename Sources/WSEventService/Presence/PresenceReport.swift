import WSEventStreams
import WSEventTransports

/// One stream's subscribers on this instance, by transport: the answer to `GET /PATH?presence`,
/// and what `/healthz` says of each stream.
///
/// `by_transport` always names the three socket transports (`websocket`: plain WebSocket,
/// `websocket-v1`: the `wsevent.v1` subprotocol, `sse`), zero or not, so a reader need not
/// guess whether a missing key means none; any other kind the stream counts (`in-process`,
/// subscribers inside the server's own program) is added when it has some.
struct PresenceReport: Encodable, Equatable {
    var path: String
    var subscribers: Int
    var byTransport: [String: Int]

    enum CodingKeys: String, CodingKey {
        case path, subscribers
        case byTransport = "by_transport"
    }

    /// The report of the stream at `path` whose presence is `counts` (``StreamStatus/presence``);
    /// no stream there (a topic `-create-streams` would open): nobody.
    init(path: String, counts: [String: Int]) {
        self.path = path
        byTransport = Self.byTransport(counts)
        subscribers = counts.values.reduce(0, +)
    }

    /// `counts` with every socket transport named, zero or not.
    static func byTransport(_ counts: [String: Int]) -> [String: Int] {
        var all = counts
        for kind in SubscriberFormat.presenceKinds where all[kind] == nil { all[kind] = 0 }
        return all
    }

    var json: String { JSONBody.line(self) }
}

/// A join or a leave as the presence stream (`-presence-stream`) carries it: one JSON text
/// event, with the counts after the change.
struct PresenceEvent: Encodable, Equatable {
    var path: String
    /// `join` or `leave`.
    var change: String
    /// The transport of the subscriber that came or went.
    var transport: String
    var subscribers: Int
    var byTransport: [String: Int]

    enum CodingKeys: String, CodingKey {
        case path, change, transport, subscribers
        case byTransport = "by_transport"
    }

    init(_ change: PresenceChange) {
        path = change.path
        self.change = change.change.rawValue
        transport = change.kind
        subscribers = change.subscribers
        byTransport = PresenceReport.byTransport(change.counts)
    }

    /// The event's payload: the JSON object, without a newline after it.
    var payload: String { String(JSONBody.line(self).dropLast()) }
}
