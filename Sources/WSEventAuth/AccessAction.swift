/// What a request asks to do on a stream: the two actions a grant names.
public enum AccessAction: String, Sendable, Hashable, CaseIterable {
    /// Receive the stream's events (a WebSocket upgrade or an SSE request).
    case subscribe
    /// Add an event to the stream (`POST`).
    case publish
}
