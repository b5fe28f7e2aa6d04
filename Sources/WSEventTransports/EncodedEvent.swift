import NIOCore
import NIOWebSocket
import WSEventStreams
import WSEventWebSocket

/// An event already encoded once per wire format: the plain and `wsevent.v1` WebSocket
/// frames and the SSE event. Immutable and shared: the replay buffer and every subscriber of
/// every event loop hold the same buffers.
///
/// The raw payload is not kept beside them: ``event``'s payload is a view into the plain
/// frame, which holds it unchanged after the frame header. So an event costs its three
/// encodings (about three times its payload), not four.
public final class EncodedEvent: StreamElement {
    public let event: Event
    let plainFrame: ByteBuffer
    let v1Frame: ByteBuffer
    let sseEvent: ByteBuffer

    public init(_ event: Event, epoch: Epoch, allocator: ByteBufferAllocator) {
        self.sseEvent = SSEFormat.event(epoch: epoch, id: event.id, kind: event.kind, payload: event.payload, allocator: allocator)
        let opcode: WebSocketOpcode = event.kind == .text ? .text : .binary
        let plainFrame = WebSocketFrameBytes.encode(opcode: opcode, payload: event.payload, allocator: allocator)
        self.plainFrame = plainFrame
        self.v1Frame = WebSocketFrameBytes.encode(
            opcode: opcode,
            header: V1Header.event(id: event.id).encoded(),
            payload: event.payload,
            allocator: allocator
        )
        // The payload ends the plain frame: a slice shares its storage, so the caller's buffer
        // can go.
        let length = event.payload.readableBytes
        let payload = plainFrame.getSlice(at: plainFrame.writerIndex - length, length: length)!
        self.event = Event(id: event.id, kind: event.kind, payload: payload)
    }

    public var id: UInt64 { event.id }

    /// The three encodings; the payload lives inside the plain frame.
    public var retainedBytes: Int {
        plainFrame.readableBytes + v1Frame.readableBytes + sseEvent.readableBytes
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
