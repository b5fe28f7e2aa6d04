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

    /// The largest id an event may have: 2^64 − 2 (18446744073709551614), one below
    /// `UInt64.max`, so that every id has a next one and "the id after `since`" always exists.
    /// An origin refuses a publish past it (``StreamPublishError/idsExhausted``); a client
    /// refuses an upstream that sends a larger id, as a protocol violation; a `since` past it
    /// names no event and is refused. docs/PROTOCOL.md says the same.
    public static let maxID: UInt64 = .max - 1
}
