import NIOCore

/// What a stream keeps and fans out for each event: whatever its transports need, made once
/// per event when it is published or mirrored, then shared by the replay buffer and every
/// subscriber. The streams layer knows no wire format; the transports layer supplies one
/// (`EncodedEvent`: the WebSocket frames and the SSE event, encoded once).
public protocol StreamElement: Sendable {
    /// Prepares `event` of the stream's `epoch` for delivery.
    init(_ event: Event, epoch: Epoch, allocator: ByteBufferAllocator)

    /// The event's id.
    var id: UInt64 { get }

    /// The bytes it holds, as the replay buffer's size in `/metrics` counts them.
    var byteCount: Int { get }
}

extension StreamElement {
    /// Unknown: counted as nothing.
    public var byteCount: Int { 0 }
}
