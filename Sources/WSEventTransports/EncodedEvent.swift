import NIOCore
import NIOWebSocket
import Synchronization
import WSEventStreams
import WSEventWebSocket

/// An event encoded once per wire format in use: the plain and `wsevent.v1` WebSocket frames
/// and the SSE event. Immutable to its readers and shared: the replay buffer and every
/// subscriber of every event loop hold the same buffers.
///
/// The plain frame is made with the event (it is where the payload lives: ``event``'s payload
/// is a view into it, after the frame header, so the caller's buffer can go). The v1 frame and
/// the SSE event are made by the first subscriber that needs them, on its event loop, and kept
/// for all others: a format nobody subscribes to costs nothing, and publishing (and a relay's
/// mirroring, which happens under the stream's lock) costs one copy of the payload.
public final class EncodedEvent: StreamElement {
    public let event: Event
    let plainFrame: ByteBuffer
    private let epoch: Epoch
    private let v1 = LazyEncoding()
    private let sse = LazyEncoding()
    public let retainedBytes: Int

    public init(_ event: Event, epoch: Epoch, allocator: ByteBufferAllocator) {
        let opcode: WebSocketOpcode = event.kind == .text ? .text : .binary
        let plainFrame = WebSocketFrameBytes.encode(opcode: opcode, payload: event.payload, allocator: allocator)
        self.plainFrame = plainFrame
        let length = event.payload.readableBytes
        let payload = plainFrame.getSlice(at: plainFrame.writerIndex - length, length: length)!
        self.event = Event(id: event.id, kind: event.kind, payload: payload)
        self.epoch = epoch
        self.retainedBytes = Self.bytesOfAllEncodings(self.event, epoch: epoch, plainFrame: plainFrame)
    }

    public var id: UInt64 { event.id }

    /// The `wsevent.v1` frame, made on first use.
    var v1Frame: ByteBuffer {
        if let made = v1.load() { return made }
        let opcode: WebSocketOpcode = event.kind == .text ? .text : .binary
        let frame = WebSocketFrameBytes.encode(
            opcode: opcode,
            header: V1Header.event(id: event.id).encoded(),
            payload: event.payload,
            allocator: ByteBufferAllocator()
        )
        // Two loops may race to make it: both make the same bytes, one is kept.
        return v1.storeIfNil(frame)
    }

    /// The SSE event, made on first use.
    var sseEvent: ByteBuffer {
        if let made = sse.load() { return made }
        let text = SSEFormat.event(epoch: epoch, id: event.id, kind: event.kind, payload: event.payload, allocator: ByteBufferAllocator())
        return sse.storeIfNil(text)
    }

    func frame(for mode: WireMode) -> ByteBuffer {
        switch mode {
        case .plain: plainFrame
        case .v1: v1Frame
        }
    }

    /// What the replay buffer counts for the event: its three encodings, as if every format
    /// were in use, so the byte bound holds whichever subscribers come. The v1 frame's size is
    /// exact; the SSE event's too for binary payloads and one-line text (each further line of a
    /// text payload adds `data: ` and a line end, 7 bytes, not counted).
    private static func bytesOfAllEncodings(_ event: Event, epoch: Epoch, plainFrame: ByteBuffer) -> Int {
        let payload = event.payload.readableBytes
        let idDigits = String(event.id).utf8.count
        let v1Payload = payload + idDigits + 1
        let v1Frame = v1Payload + (v1Payload <= 125 ? 2 : v1Payload <= Int(UInt16.max) ? 4 : 10)
        // "id: <epoch>.<id>\n", then "data: <payload>\n" or "event: binary\ndata: <base64>\n", "\n".
        let idLine = 4 + epoch.description.utf8.count + 1 + idDigits + 1
        let body = event.kind == .text ? 6 + payload + 1 : 20 + (payload + 2) / 3 * 4 + 1
        return plainFrame.readableBytes + v1Frame + idLine + body + 1
    }
}

/// One encoding, made on first use by whichever loop needs it first and kept for all: an atomic
/// word holding a retained box. (Synchronization's `AtomicLazyReference` does the same, but its
/// `load` is a generic call into the library, ~640 instructions in callgrind, paid for every
/// subscriber of the format; this one's is a single atomic load.)
struct LazyEncoding: ~Copyable, Sendable {
    private let box = Atomic<UInt>(0)

    /// The encoding, if it was made.
    func load() -> ByteBuffer? {
        let raw = box.load(ordering: .acquiring)
        guard raw != 0 else { return nil }
        return Self.unbox(raw).takeUnretainedValue().bytes
    }

    /// Keeps `bytes` unless another thread kept its encoding first; returns the one kept (the
    /// same bytes either way: encodings are deterministic).
    func storeIfNil(_ bytes: ByteBuffer) -> ByteBuffer {
        let made = Unmanaged.passRetained(EncodedBytes(bytes))
        let (stored, existing) = box.compareExchange(
            expected: 0,
            desired: UInt(bitPattern: made.toOpaque()),
            ordering: .acquiringAndReleasing
        )
        guard !stored else { return bytes }
        made.release()
        return Self.unbox(existing).takeUnretainedValue().bytes
    }

    deinit {
        let raw = box.load(ordering: .acquiring)
        if raw != 0 { Self.unbox(raw).release() }
    }

    private static func unbox(_ raw: UInt) -> Unmanaged<EncodedBytes> {
        Unmanaged.fromOpaque(UnsafeRawPointer(bitPattern: raw)!)
    }
}

/// An encoding in a box, what a ``LazyEncoding`` points at.
final class EncodedBytes: Sendable {
    let bytes: ByteBuffer

    init(_ bytes: ByteBuffer) {
        self.bytes = bytes
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
