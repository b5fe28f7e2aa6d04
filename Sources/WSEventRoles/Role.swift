import WSEventTransports

/// What a server's stream at ``ServiceConfiguration/servePath`` is fed by.
///
/// Every role takes publishes (`POST`) except a relay, whose ids belong to its upstream. An
/// upstream is consumed over its URL's transport: `ws://`/`wss://` over WebSocket, `http://`/
/// `https://` over SSE, ids and epoch the same either way.
public enum Role: Sendable, Hashable, CustomStringConvertible {
    /// Generates the seed's random strings, one every ``ServiceConfiguration/interval``, and
    /// takes publishes. Events of the `merging` upstreams are republished into the same stream
    /// with this stream's ids (the seed's producer that also consumes): the stream has one
    /// origin, here, whatever feeds it, so it stays a producer rather than a fan-in.
    case producer(merging: [StreamURL] = [])
    /// Mirrors one upstream: the same ids and epoch, so relays of one origin are interchangeable.
    case relay(StreamURL)
    /// Merges several upstreams into one stream with ids of its own, and takes publishes.
    case fanIn([StreamURL])
    /// An origin fed only by publishes: the event-bus pattern, nothing generated, nothing
    /// consumed.
    case hub

    /// The upstreams consumed, in the order given.
    public var upstreams: [StreamURL] {
        switch self {
        case .producer(let merging): merging
        case .relay(let upstream): [upstream]
        case .fanIn(let upstreams): upstreams
        case .hub: []
        }
    }

    /// Whether the built-in generator runs.
    public var produces: Bool {
        if case .producer = self { return true }
        return false
    }

    /// Whether the stream mirrors its upstream's ids and epoch rather than assigning its own.
    public var mirrors: Bool {
        if case .relay = self { return true }
        return false
    }

    /// The role's name in `/healthz` and the startup line: `producer`, `relay`, `fan-in`, `hub`.
    public var name: String {
        switch self {
        case .producer: "producer"
        case .relay: "relay"
        case .fanIn: "fan-in"
        case .hub: "hub"
        }
    }

    public var description: String { name }
}
