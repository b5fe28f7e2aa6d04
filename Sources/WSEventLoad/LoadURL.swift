import WSEventWebSocket

/// A URL the load generator connects to: `ws://`, `http://` or `HOST:PORT/PATH`, or a NATS
/// subject to publish on, `nats://HOST:PORT/SUBJECT` (the NATS bridge's source), on this machine
/// only. A load test sends its traffic to loopback addresses and nowhere else, so any
/// other host is refused when the URL is parsed, before a single connection.
package struct LoadURL: Sendable, Hashable, CustomStringConvertible {
    package let host: String
    package let port: Int
    /// Path and query, as sent in the request line; for NATS, `/SUBJECT`.
    package let target: String
    /// Whether this is a NATS subject (`nats://`): publishes go out as core NATS `PUB`s.
    package let isNATS: Bool
    /// The NATS subject (``target`` without its `/`).
    package var subject: String { String(target.dropFirst()) }
    /// What the `Host` header says.
    package var hostHeader: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    package let description: String

    /// Why a URL was not taken, in one line.
    package struct Invalid: Error, CustomStringConvertible {
        package let description: String
    }

    package init(_ text: String) throws {
        guard let url = Self.parse(text) else {
            throw Invalid(description: "'\(text)' is not a URL (ws://HOST:PORT/PATH, http://HOST:PORT/PATH or nats://HOST:PORT/SUBJECT)")
        }
        guard !url.isSecure else {
            throw Invalid(description: "'\(text)': the load generator speaks plain ws:// and http:// only (TLS would measure the cipher)")
        }
        guard Self.isLoopback(url.host) else {
            throw Invalid(description: "'\(text)': the load generator only targets this machine (127.0.0.0/8, localhost, ::1)")
        }
        // localhost could resolve to ::1 first where the server listens on 127.0.0.1 only.
        host = url.host == "localhost" ? "127.0.0.1" : url.host
        port = url.port
        target = url.target
        isNATS = text.lowercased().hasPrefix("nats://")
        if isNATS, target.count < 2 || target.contains(" ") || target.contains("?") {
            throw Invalid(description: "'\(text)': a NATS URL names one subject to publish on: nats://HOST:PORT/SUBJECT")
        }
        description = text
    }

    /// The place `text` names: `ws://` and `wss://` as WebSocket URLs are, `http://` and
    /// `https://` the same places, and the seed's `HOST:PORT/PATH`.
    private static func parse(_ text: String) -> WebSocketURL? {
        guard let separator = text.firstRange(of: "://") else {
            return WebSocketURL(hostAndTarget: Substring(text), defaultPort: nil, isSecure: false)
        }
        let rest = text[separator.upperBound...]
        switch text[..<separator.lowerBound].lowercased() {
        case "http": return WebSocketURL(hostAndTarget: rest, defaultPort: 80, isSecure: false)
        case "https": return WebSocketURL(hostAndTarget: rest, defaultPort: 443, isSecure: true)
        case "nats": return WebSocketURL(hostAndTarget: rest, defaultPort: 4222, isSecure: false)
        default: return WebSocketURL(text)
        }
    }

    /// `127.0.0.0/8`, `localhost` or `::1`.
    package static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in UInt8(octet).map { String($0) == octet } ?? false }
    }
}
