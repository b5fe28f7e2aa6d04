import NIOCore
import NIOWebSocket
import WSEventStreams
import WSEventWebSocket

/// An event already encoded once per wire format: the plain and `wsevent.v1` WebSocket
/// frames and the SSE event. Immutable and shared: the replay buffer and every subscriber of
/// every event loop hold the same buffers.
public final class EncodedEvent: StreamElement {
    public let event: Event
    let plainFrame: ByteBuffer
    let v1Frame: ByteBuffer
    let sseEvent: ByteBuffer

    public init(_ event: Event, epoch: Epoch, allocator: ByteBufferAllocator) {
        self.event = event
        self.sseEvent = SSEFormat.event(epoch: epoch, id: event.id, kind: event.kind, payload: event.payload, allocator: allocator)
        let opcode: WebSocketOpcode = event.kind == .text ? .text : .binary
        self.plainFrame = WebSocketFrameBytes.encode(opcode: opcode, payload: event.payload, allocator: allocator)
        self.v1Frame = WebSocketFrameBytes.encode(
            opcode: opcode,
            header: V1Header.event(id: event.id).encoded(),
            payload: event.payload,
            allocator: allocator
        )
    }

    public var id: UInt64 { event.id }

    /// The payload and its three encodings.
    public var byteCount: Int {
        event.payload.readableBytes + plainFrame.readableBytes + v1Frame.readableBytes + sseEvent.readableBytes
    }

    func frame(for mode: WireMode) -> ByteBuffer {
        switch mode {
        case .plain: plainFrame
        case .v1: v1Frame
        }
    }
}

extension V1Header {
    /// A control message (`hello`, `gap`) as a complete text frame.
    func controlFrame(allocator: ByteBufferAllocator) -> ByteBuffer {
        WebSocketFrameBytes.encode(opcode: .text, payload: encoded(), allocator: allocator)
    }
}

/// A stream whose events are encoded for the wire: what a server hosts.
public typealias WireEventStream = EventStream<EncodedEvent>
