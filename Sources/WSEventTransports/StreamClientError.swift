import NIOHTTP1
import WSEventWebSocket

/// An error of a client's connection to a stream, over WebSocket (``WebSocketError``) or SSE
/// (``SSEClientError``): printable as one line that starts with the URL, and telling what a
/// reconnecting subscriber needs to decide whether waiting could help.
public protocol StreamClientError: Error, CustomStringConvertible, Sendable {
    /// The HTTP status of a refused upgrade or request (404, 401, 503, ...).
    var refusedStatus: HTTPResponseStatus? { get }
    /// The TLS handshake failed: the server's certificate did not verify, or the CA file did
    /// not load.
    var isTLSFailure: Bool { get }
}

extension WebSocketError: StreamClientError {
    public var isTLSFailure: Bool { reason == .tlsFailed }
}
