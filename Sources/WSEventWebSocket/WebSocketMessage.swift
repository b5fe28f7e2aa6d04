import NIOCore
import NIOWebSocket

/// One complete WebSocket message: a text or binary payload, reassembled from its fragments.
public struct WebSocketMessage: Sendable, Hashable {
    /// Text messages carry valid UTF-8; binary messages carry any bytes.
    public enum Kind: Sendable, Hashable {
        case text
        case binary
    }

    public var kind: Kind
    public var data: ByteBuffer

    public init(kind: Kind, data: ByteBuffer) {
        self.kind = kind
        self.data = data
    }

    /// A text message with the UTF-8 bytes of `string`.
    public static func text(_ string: String) -> WebSocketMessage {
        WebSocketMessage(kind: .text, data: ByteBuffer(string: string))
    }

    /// A binary message.
    public static func binary(_ data: ByteBuffer) -> WebSocketMessage {
        WebSocketMessage(kind: .binary, data: data)
    }

    /// The payload decoded as UTF-8 (lossless for text messages).
    public var string: String { String(buffer: data) }
}

/// How a connection ended, as the inbound messages report it.
package struct WebSocketEnding: Sendable {
    /// The peer's close frame, if it sent one.
    var peerClose: CloseFramePayload?
    /// Why this side ended the connection, if it did: a protocol violation, an unanswered
    /// ping, a lost connection.
    package var error: WebSocketError?
}

/// What the protocol handler passes up to the application: messages, then exactly one ending.
package enum WebSocketInbound: Sendable {
    case message(WebSocketMessage)
    case closed(WebSocketEnding)
}

/// What the application asks the protocol handler to send.
package enum WebSocketOutbound: Sendable {
    case message(WebSocketMessage)
    /// A complete frame, header included, encoded once by ``WebSocketFrameBytes`` and shared by
    /// many connections: it skips the frame encoder.
    case encodedFrame(ByteBuffer)
    /// Start the close handshake with this code and reason.
    case close(WebSocketErrorCode, reason: String)
    /// Send a ping; the promise succeeds when its pong arrives.
    case ping(EventLoopPromise<Void>)
}
