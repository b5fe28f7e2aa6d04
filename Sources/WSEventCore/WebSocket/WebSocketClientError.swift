import NIOCore
import NIOHTTP1
import NIOPosix

/// Why a WebSocket client could not connect. A struct over a private enum, so new reasons can be
/// added without breaking callers.
public struct WebSocketClientError: Error, CustomStringConvertible, Sendable {
    enum Reason: Sendable {
        case upgradeRefused(HTTPResponseStatus, body: String)
        case closedDuringHandshake
        case handshakeTimedOut
        case connectFailed(String)
        /// A plain HTTP request (SSE) answered with something other than 200.
        case requestRefused(HTTPResponseStatus, body: String)
    }

    let reason: Reason
    /// The URL that was being connected to.
    public let url: WebSocketURL
    /// The connection was a plain HTTP request (SSE): show the URL as `http://`.
    var overHTTP = false

    private var shownURL: String { overHTTP ? url.httpDescription : url.description }

    /// The HTTP status of a refused upgrade (404, 401, 503, ...), if that is what happened.
    public var refusedStatus: HTTPResponseStatus? {
        switch reason {
        case .upgradeRefused(let status, _), .requestRefused(let status, _): return status
        default: return nil
        }
    }

    public var description: String {
        switch reason {
        case .upgradeRefused(let status, let body):
            let detail = body.split(separator: "\n").first.map { ": \($0)" } ?? ""
            return "\(shownURL): upgrade refused with \(status.code) \(status.reasonPhrase)\(detail)"
        case .closedDuringHandshake:
            return "\(shownURL): connection closed \(overHTTP ? "before the response" : "during the WebSocket handshake")"
        case .handshakeTimedOut:
            return "\(shownURL): no answer to the WebSocket handshake"
        case .connectFailed(let reason):
            return "\(shownURL): \(reason)"
        case .requestRefused(let status, let body):
            let detail = body.split(separator: "\n").first.map { ": \($0)" } ?? ""
            return "\(shownURL): refused with \(status.code) \(status.reasonPhrase)\(detail)"
        }
    }
}

extension WebSocketClientError {
    /// Wraps a connect error with a short reason ("connection refused") instead of NIO's dump.
    static func connectFailed(_ error: any Error, url: WebSocketURL) -> WebSocketClientError {
        var error = error
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            error = first.error
        } else if let connection = error as? NIOConnectionError, let dns = connection.dnsAAAAError ?? connection.dnsAError {
            error = dns
        }
        let reason: String
        if let io = error as? IOError {
            switch io.errnoCode {
            case 111: reason = "connection refused"
            case 113, 101: reason = "host unreachable"
            case 110: reason = "connect timed out"
            default: reason = "\(io)"
            }
        } else if case .connectTimeout = error as? ChannelError {
            reason = "connect timed out"
        } else {
            reason = "\(error)"
        }
        return WebSocketClientError(reason: .connectFailed(reason), url: url)
    }
}
