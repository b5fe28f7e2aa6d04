/// Where a WebSocket endpoint is: `ws://HOST:PORT/PATH?QUERY`, or `wss://...` over TLS.
///
/// Other forms of the same place (an `http://` URL for SSE, the seed's `HOST:PORT/PATH`) belong
/// to whoever takes them: `StreamURL` in the transports, the commands' argument parsing.
public struct WebSocketURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Starts with `/`.
    public var path: String
    /// Without the `?`; empty when there is none.
    public var query: String
    /// `wss://`: the connection is TLS, the server's certificate verified.
    public var isSecure: Bool

    public init(host: String, port: Int, path: String, query: String = "", isSecure: Bool = false) {
        self.isSecure = isSecure
        self.host = host
        self.port = port
        self.path = path.hasPrefix("/") ? path : "/" + path
        self.query = query
    }

    /// Parses `ws://HOST[:PORT]/PATH[?QUERY]` (port 80 by default) and `wss://...` (TLS, port 443
    /// by default). An empty host (`ws://:8080/events`) means 127.0.0.1.
    public init?(_ string: String) {
        guard let separator = string.firstRange(of: "://") else { return nil }
        let isSecure: Bool
        switch string[..<separator.lowerBound].lowercased() {
        case "ws": isSecure = false
        case "wss": isSecure = true
        default: return nil
        }
        self.init(hostAndTarget: string[separator.upperBound...], defaultPort: isSecure ? 443 : 80, isSecure: isSecure)
    }

    /// Parses what follows a URL's `scheme://`: `HOST[:PORT][/PATH][?QUERY]`, the port required
    /// when there is no `defaultPort`. For the parsers of other forms of the same place.
    package init?(hostAndTarget rest: Substring, defaultPort: Int?, isSecure: Bool) {
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

    /// What a request's `Host` header says: the host (an IPv6 one in brackets), and the port
    /// unless it is the scheme's default.
    package var hostHeader: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return port == (isSecure ? 443 : 80) ? host : "\(host):\(port)"
    }

    /// The URL for logs and messages: a `token` in the query shows as `token=***`.
    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        let shownQuery = query.split(separator: "&", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("token=") ? "token=***" : String($0) }
            .joined(separator: "&")
        return "\(isSecure ? "wss" : "ws")://\(host):\(port)\(path)\(shownQuery.isEmpty ? "" : "?" + shownQuery)"
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
