import NIOCore

/// Whether an event's payload is text (UTF-8) or binary; it decides the WebSocket opcode.
public enum EventKind: String, Sendable, Hashable {
    case text
    case binary
}

/// One event of a stream: an opaque payload with the id its origin gave it.
public struct Event: Sendable, Hashable {
    /// 1, 2, 3, ... in publish order within one ``Epoch``.
    public var id: UInt64
    public var kind: EventKind
    public var payload: ByteBuffer

    public init(id: UInt64, kind: EventKind, payload: ByteBuffer) {
        self.id = id
        self.kind = kind
        self.payload = payload
    }
}
