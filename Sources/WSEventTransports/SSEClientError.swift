import NIOCore
import NIOHTTP1
import WSEventWebSocket

/// Every error the SSE client reports: a failed connect or TLS handshake, a request refused or
/// left unanswered, an event past the client's limit, a connection lost. One line that starts
/// with the URL (`http://...`), as ``WebSocketError``'s do.
///
/// A struct over a private enum, so new reasons can be added without breaking callers; match on
/// ``reason``.
public struct SSEClientError: StreamClientError {
    /// What went wrong, matchable with `==`.
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case connectFailed = "connect failed"
            case tlsFailed = "TLS failed"
            case requestRefused = "request refused"
            case closedBeforeResponse = "closed before the response"
            case responseTimedOut = "response timed out"
            case notAnEventStream = "not an event stream"
            case eventTooLarge = "event too large"
            case connectionLost = "connection lost"
        }

        fileprivate let base: Base

        /// The TCP connect failed (refused, unreachable, timed out, name not found).
        public static let connectFailed = Reason(base: .connectFailed)
        /// The TLS handshake of an `https://` URL failed, or its CA file did not load.
        public static let tlsFailed = Reason(base: .tlsFailed)
        /// The server answered with a status other than 200 (see ``SSEClientError/refusedStatus``).
        public static let requestRefused = Reason(base: .requestRefused)
        /// The server closed the connection before its response head.
        public static let closedBeforeResponse = Reason(base: .closedBeforeResponse)
        /// The response head did not come within the response timeout.
        public static let responseTimedOut = Reason(base: .responseTimedOut)
        /// The server answered 200 with something other than `text/event-stream`.
        public static let notAnEventStream = Reason(base: .notAnEventStream)
        /// The server sent a line or event larger than the client takes.
        public static let eventTooLarge = Reason(base: .eventTooLarge)
        /// The connection dropped during the stream (reset, a TLS error).
        public static let connectionLost = Reason(base: .connectionLost)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let reason: Reason
    /// The URL requested (shown as `http://` or `https://`).
    public let url: StreamURL
    /// The HTTP status of a refused request.
    public let refusedStatus: HTTPResponseStatus?
    /// One line of detail: the server's refusal body, the response's `Content-Type`, the I/O error.
    public let detail: String

    package init(_ reason: Reason, url: StreamURL, refusedStatus: HTTPResponseStatus? = nil, detail: String = "") {
        self.reason = reason
        self.url = url
        self.refusedStatus = refusedStatus
        self.detail = detail
    }

    public var isTLSFailure: Bool { reason == .tlsFailed }

    public var description: String {
        let firstLine = detail.split(separator: "\n").first.map(String.init) ?? ""
        switch reason.base {
        case .requestRefused:
            let status = refusedStatus.map { "\($0.code) \($0.reasonPhrase)" } ?? "?"
            return "\(url): refused with \(status)\(firstLine.isEmpty ? "" : ": \(firstLine)")"
        case .closedBeforeResponse:
            return "\(url): connection closed before the response"
        case .responseTimedOut:
            return "\(url): no response to the event-stream request"
        case .notAnEventStream:
            return "\(url): the response is not an event stream (\(firstLine))"
        case .eventTooLarge:
            return "\(url): the server sent \(firstLine)"
        case .connectFailed, .tlsFailed, .connectionLost:
            return "\(url): \(firstLine.isEmpty ? reason.description : firstLine)"
        }
    }
}

extension SSEClientError {
    /// A connect error in one line ("connection refused"), as the WebSocket client says it.
    static func connectFailed(_ error: any Error, url: StreamURL) -> SSEClientError {
        SSEClientError(.connectFailed, url: url, detail: ConnectFailure.summary(of: error))
    }

    /// A failed TLS handshake (or CA file) in one line: `certificate verify failed: ...`.
    static func tlsFailed(_ error: any Error, url: StreamURL) -> SSEClientError {
        SSEClientError(.tlsFailed, url: url, detail: ConnectFailure.tlsLine(error))
    }

    /// Whatever ended the stream, as one of ours: a TLS failure, a lost connection.
    static func lost(_ error: any Error, url: StreamURL) -> SSEClientError {
        if let error = error as? SSEClientError { return error }
        if TLSFailure.isTLS(error) { return .tlsFailed(error, url: url) }
        return SSEClientError(.connectionLost, url: url, detail: ConnectFailure.lostLine(error))
    }
}
