import NIOWebSocket

/// The user inbound event that tells a subscriber its authorization has expired: it leaves its
/// stream and ends the subscription (WebSocket: close code ``WebSocketErrorCode/tokenExpired``,
/// SSE: the response ends). Fired by ``TokenExpiryHandler``.
package struct SubscriptionExpired: Sendable, Hashable {
    package init() {}
}

extension WebSocketErrorCode {
    /// 4401: the subscription's token expired (docs/PROTOCOL.md, docs/AUTH.md): reconnect with a
    /// fresh token, resuming with `since`/`epoch`, and lose nothing.
    public static let tokenExpired = WebSocketErrorCode(codeNumber: 4401)
}
