import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Every error the WebSocket layer reports: a failed connect or refused upgrade, a peer that broke
/// the protocol or stopped answering, a write to a closed connection.
///
/// A struct over a private enum, so new reasons can be added without breaking callers; match on
/// ``reason``:
///
/// ```swift
/// } catch let error as WebSocketError where error.reason == .upgradeRefused {
///     print(error.refusedStatus!)   // 404 Not Found, ...
/// }
/// ```
public struct WebSocketError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, matchable with `==`.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case connectFailed = "connect failed"
            case tlsFailed = "TLS failed"
            case upgradeRefused = "upgrade refused"
            case closedDuringHandshake = "closed during handshake"
            case handshakeTimedOut = "handshake timed out"
            case protocolViolation = "protocol violation"
            case pongTimeout = "pong timeout"
            case connectionLost = "connection lost"
            case connectionClosed = "connection closed"
            case invalidCloseFrame = "invalid close frame"
        }

        fileprivate let base: Base

        /// The TCP connect failed (refused, unreachable, timed out, name not found).
        public static let connectFailed = Reason(base: .connectFailed)
        /// The TLS handshake of a `wss://` URL failed (an unverifiable certificate, ...), or its
        /// CA file did not load.
        public static let tlsFailed = Reason(base: .tlsFailed)
        /// The server answered the upgrade request with another status (see ``refusedStatus``).
        public static let upgradeRefused = Reason(base: .upgradeRefused)
        /// The server closed the connection before answering the handshake.
        public static let closedDuringHandshake = Reason(base: .closedDuringHandshake)
        /// The server did not answer the handshake in time.
        public static let handshakeTimedOut = Reason(base: .handshakeTimedOut)
        /// The peer broke RFC 6455 (a bad frame, invalid UTF-8, an over-size message, ...); the
        /// connection was closed with ``closeCode``.
        public static let protocolViolation = Reason(base: .protocolViolation)
        /// The peer did not answer a ping within the pong timeout; closed with 1011.
        public static let pongTimeout = Reason(base: .pongTimeout)
        /// The connection dropped without a close handshake (reset, EOF).
        public static let connectionLost = Reason(base: .connectionLost)
        /// A write or ping on a connection that is closing or closed.
        public static let connectionClosed = Reason(base: .connectionClosed)
        /// The application asked to close with a code that may not be sent, or an over-long reason.
        public static let invalidCloseFrame = Reason(base: .invalidCloseFrame)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let reason: Reason
    /// The URL being connected to, for errors of a client connection.
    public internal(set) var url: WebSocketURL?
    /// The HTTP status of a refused upgrade (404, 401, 503, ...).
    public let refusedStatus: HTTPResponseStatus?
    /// The close code this side sent when it failed the connection (1002, 1007, 1009, 1011).
    public let closeCode: WebSocketErrorCode?
    /// One line of detail: the server's refusal body, the violation, the I/O error.
    public let detail: String

    package init(
        _ reason: Reason,
        url: WebSocketURL? = nil,
        refusedStatus: HTTPResponseStatus? = nil,
        closeCode: WebSocketErrorCode? = nil,
        detail: String = ""
    ) {
        self.reason = reason
        self.url = url
        self.refusedStatus = refusedStatus
        self.closeCode = closeCode
        self.detail = detail
    }

    public var description: String {
        let prefix = url.map { "\($0): " } ?? ""
        let firstLine = detail.split(separator: "\n").first.map(String.init) ?? ""
        switch reason.base {
        case .upgradeRefused:
            let status = refusedStatus.map { "\($0.code) \($0.reasonPhrase)" } ?? "?"
            return "\(prefix)upgrade refused with \(status)\(firstLine.isEmpty ? "" : ": \(firstLine)")"
        case .closedDuringHandshake:
            return "\(prefix)connection closed during the WebSocket handshake"
        case .handshakeTimedOut:
            return "\(prefix)no answer to the WebSocket handshake"
        case .protocolViolation:
            let code = closeCode.map { " (\($0.code))" } ?? ""
            return "\(prefix)the peer sent \(firstLine)\(code)"
        case .pongTimeout:
            let code = closeCode.map { " (\($0.code))" } ?? ""
            return "\(prefix)\(firstLine)\(code)"
        case .connectFailed, .tlsFailed, .connectionLost, .connectionClosed, .invalidCloseFrame:
            return "\(prefix)\(firstLine.isEmpty ? reason.description : firstLine)"
        }
    }
}

extension WebSocketError {
    /// The peer broke the protocol by sending `what` ("invalid UTF-8 in a text message"); it
    /// gets `code`, and `what` as the close reason.
    static func violation(_ code: WebSocketErrorCode, _ what: String) -> WebSocketError {
        WebSocketError(.protocolViolation, closeCode: code, detail: what)
    }

    /// The keepalive gave up. 1011 ("unexpected condition"), as Python's `websockets` also
    /// sends: 1001 would tell the peer that *this* side is going away (a restart), which is not
    /// what happened, and the peer most likely reads neither.
    static let pongTimedOut = WebSocketError(
        .pongTimeout,
        closeCode: .unexpectedServerError,
        detail: "the peer did not answer a ping in time"
    )

    static let closed = WebSocketError(.connectionClosed, detail: "the connection is closed")

    /// Wraps a connect error with a short reason ("connection refused") instead of NIO's dump.
    package static func connectFailed(_ error: any Error, url: WebSocketURL) -> WebSocketError {
        WebSocketError(.connectFailed, url: url, detail: ConnectFailure.summary(of: error))
    }

    /// A failed TLS handshake (or CA file) in one line: `certificate verify failed: ...`.
    package static func tlsFailed(_ error: any Error, url: WebSocketURL) -> WebSocketError {
        WebSocketError(.tlsFailed, url: url, detail: ConnectFailure.tlsLine(error))
    }

    /// A connection that ended without a close handshake, for the inbound sequence to report.
    static func lost(_ error: (any Error)?) -> WebSocketError {
        WebSocketError(.connectionLost, detail: ConnectFailure.lostLine(error))
    }
}
