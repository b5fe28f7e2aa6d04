/// Where a WebSocket endpoint is: `ws://HOST:PORT/PATH?QUERY`, `wss://...` over TLS, or the
/// seed's `HOST:PORT/PATH`.
public struct WebSocketURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Starts with `/`.
    public var path: String
    /// Without the `?`; empty when there is none.
    public var query: String
    /// `wss://` (`https://`): the connection is TLS, the server's certificate verified.
    public var isSecure: Bool

    public init(host: String, port: Int, path: String, query: String = "", isSecure: Bool = false) {
        self.isSecure = isSecure
        self.host = host
        self.port = port
        self.path = path.hasPrefix("/") ? path : "/" + path
        self.query = query
    }

    /// Parses `ws://HOST[:PORT]/PATH[?QUERY]`, `http://...` (same thing), `wss://` and
    /// `https://` (TLS, port 443 by default), or `HOST:PORT/PATH`.
    /// An empty host (`:8080/events`) means 127.0.0.1.
    public init?(_ string: String) {
        var rest = Substring(string)
        var defaultPort: Int?
        var isSecure = false
        let parts = rest.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            switch parts[0].lowercased() {
            case "ws", "http": defaultPort = 80
            case "wss", "https": (defaultPort, isSecure) = (443, true)
            default: return nil
            }
            rest = parts[1]
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = rest[authorityEnd...]
        var query = ""
        if let mark = target.firstIndex(of: "?") {
            query = String(target[target.index(after: mark)...])
            target = target[..<mark]
        }
        guard let (host, port) = HostAndPort.parse(authority, defaultPort: defaultPort) else { return nil }
        self.init(host: host.isEmpty ? "127.0.0.1" : host, port: port, path: target.isEmpty ? "/" : String(target), query: query, isSecure: isSecure)
    }

    /// Path and query, as sent in the request line.
    public var target: String { query.isEmpty ? path : "\(path)?\(query)" }

    /// The URL for logs and messages: a `token` in the query shows as `token=***`.
    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        let shownQuery = query.split(separator: "&", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("token=") ? "token=***" : String($0) }
            .joined(separator: "&")
        return "\(isSecure ? "wss" : "ws")://\(host):\(port)\(path)\(shownQuery.isEmpty ? "" : "?" + shownQuery)"
    }

    /// The same address as an `http://` URL (what an SSE subscription requests).
    public var httpDescription: String {
        "http" + description.dropFirst(2)
    }

    /// This URL with `name=value` pairs added to the query (values must be URL-safe already).
    public func addingQuery(_ items: [(String, String)]) -> WebSocketURL {
        var copy = self
        let extra = items.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        guard !extra.isEmpty else { return copy }
        copy.query = query.isEmpty ? extra : "\(query)&\(extra)"
        return copy
    }
}
