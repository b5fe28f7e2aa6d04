import WSEventWebSocket

/// Where a stream is subscribed, and how: `ws://` and `wss://` over WebSocket, `http://` and
/// `https://` over Server-Sent Events. What relays and fan-ins consume (``Role``'s upstreams)
/// and what `wsclient` subscribes to.
///
/// Both transports start with a `GET` of the same target on the same host and port, so the
/// place is a ``WebSocketURL`` whichever the transport; only the scheme shown differs.
public struct StreamURL: Sendable, Hashable, CustomStringConvertible {
    /// How a stream is subscribed.
    public enum Transport: Sendable, Hashable {
        /// WebSocket, offering `wsevent.v1` (ids, resume) where the subscriber does.
        case webSocket
        /// Server-Sent Events: ids and epochs in `id: <epoch>.<id>`, resumed with `Last-Event-ID`.
        case sse
    }

    /// Host, port, path, query and whether the connection is TLS.
    public var address: WebSocketURL
    public var transport: Transport

    public init(_ address: WebSocketURL, transport: Transport = .webSocket) {
        self.address = address
        self.transport = transport
    }

    /// Parses `ws://HOST[:PORT]/PATH[?QUERY]` and `wss://...` (WebSocket), `http://...` and
    /// `https://...` (SSE); TLS for `wss` and `https`, whose default port is 443 (80 for the
    /// others). An empty host means 127.0.0.1.
    public init?(_ string: String) {
        guard let separator = string.firstRange(of: "://") else { return nil }
        let rest = string[separator.upperBound...]
        let address: WebSocketURL?
        switch string[..<separator.lowerBound].lowercased() {
        case "ws", "wss": (address, transport) = (WebSocketURL(string), .webSocket)
        case "http": (address, transport) = (WebSocketURL(hostAndTarget: rest, defaultPort: 80, isSecure: false), .sse)
        case "https": (address, transport) = (WebSocketURL(hostAndTarget: rest, defaultPort: 443, isSecure: true), .sse)
        default: return nil
        }
        guard let address else { return nil }
        self.address = address
    }

    /// The URL for logs and messages, with the transport's scheme; a `token` in the query shows
    /// as `token=***`.
    public var description: String {
        switch transport {
        case .webSocket: address.description
        case .sse: (address.isSecure ? "https" : "http") + address.description.drop { $0 != ":" }
        }
    }
}
