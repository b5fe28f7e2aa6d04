import NIOCore
import WSEventStreams
import WSEventWebSocket

/// A NATS message's payload as an event: text when it is valid UTF-8 (and no `Content-Type`
/// header says otherwise), binary otherwise, so that nothing is dropped and nothing goes out as
/// invalid text. Pure logic.
public enum NATSPayload {
    /// The header `-publish-to` sets so that a POST's kind survives the trip through the broker.
    public static let contentTypeHeader = "Content-Type"
    /// Its value for each kind.
    public static func contentType(of kind: EventKind) -> String {
        kind == .text ? "text/plain; charset=utf-8" : "application/octet-stream"
    }

    /// The kind of an event with `payload` and the message's `Content-Type` header, if any: a
    /// header that is not `text/*` makes it binary; text is sent as text only when it is UTF-8.
    public static func kind(of payload: ByteBuffer, contentType: String?) -> EventKind {
        if let contentType, !contentType.lowercased().hasPrefix("text/") { return .binary }
        return payload.isValidUTF8 ? .text : .binary
    }
}
