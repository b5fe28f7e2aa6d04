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

/// What the protocol handler passes up to the application: messages, then at most one close.
enum WebSocketInbound: Sendable {
    case message(WebSocketMessage)
    /// The peer sent a close frame with this code (`nil`: a close frame without a code).
    case closed(WebSocketErrorCode?)
}

/// What the application asks the protocol handler to send.
enum WebSocketOutbound: Sendable {
    case message(WebSocketMessage)
    /// A complete frame, header included, encoded once by ``WebSocketFrameBytes`` and shared by
    /// many connections: it skips the frame encoder.
    case encodedFrame(ByteBuffer)
    /// Start the close handshake with this code.
    case close(WebSocketErrorCode)
}
