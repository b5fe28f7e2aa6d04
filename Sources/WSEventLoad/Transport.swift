/// How subscribers subscribe.
package enum Transport: String, Sendable, Codable, CaseIterable {
    /// WebSocket, plain mode: each event one message.
    case webSocket = "ws"
    /// Server-Sent Events (EventSource).
    case sse
}
