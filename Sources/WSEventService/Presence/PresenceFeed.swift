import NIOCore
import WSEventStreams
import WSEventTransports

/// The presence stream (`-presence-stream`): every join and leave of the server's other
/// streams, published as a JSON text event (``PresenceEvent``) on a stream of its own at
/// ``path``, which subscribers follow like any stream (WebSocket, SSE, resume).
///
/// Each stream tells its observer under its own lock, so one stream's changes are published in
/// the order they happened, each with the counts after it. The feed's stream observes nothing
/// itself (its own subscribers are counted, not published). It is best effort: a change that
/// finds the feed's stream without room (its subscribers far behind) is dropped, and the next
/// change of that path carries its counts again.
struct PresenceFeed: Sendable {
    /// Where the presence stream is served.
    static let path = "/_presence"

    let stream: WireEventStream

    /// The feed `configuration` asks for, if any.
    init?(_ configuration: ServiceConfiguration) {
        guard configuration.presenceStream else { return nil }
        stream = WireEventStream(path: Self.path, bufferSize: configuration.bufferSize, bufferBytes: configuration.bufferBytes)
    }

    /// What every observed stream calls with its changes.
    var observer: @Sendable (PresenceChange) -> Void {
        { [stream] change in
            _ = try? stream.publish(kind: .text, payload: ByteBuffer(string: PresenceEvent(change).payload))
        }
    }
}
