import NIOHTTP1

/// Why a WebSocket client could not connect. A struct over a private enum, so new reasons can be
/// added without breaking callers.
public struct WebSocketClientError: Error, CustomStringConvertible, Sendable {
    enum Reason: Sendable {
        case upgradeRefused(HTTPResponseStatus, body: String)
        case closedDuringHandshake
        case handshakeTimedOut
    }

    let reason: Reason
    /// The URL that was being connected to.
    public let url: WebSocketURL

    /// The HTTP status of a refused upgrade (404, 401, 503, ...), if that is what happened.
    public var refusedStatus: HTTPResponseStatus? {
        if case .upgradeRefused(let status, _) = reason { return status }
        return nil
    }

    public var description: String {
        switch reason {
        case .upgradeRefused(let status, let body):
            let detail = body.split(separator: "\n").first.map { ": \($0)" } ?? ""
            return "\(url): upgrade refused with \(status.code) \(status.reasonPhrase)\(detail)"
        case .closedDuringHandshake:
            return "\(url): connection closed during the WebSocket handshake"
        case .handshakeTimedOut:
            return "\(url): no answer to the WebSocket handshake"
        }
    }
}
