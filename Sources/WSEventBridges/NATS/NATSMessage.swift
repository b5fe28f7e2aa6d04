#if Bridges
import CNATS
import NIOCore

/// A message nats.c delivered, copied out of its `natsMsg` (which is destroyed at once): the
/// payload, its `Content-Type` header, and for JetStream its stream sequence and how many
/// messages the consumer has yet to deliver.
struct NATSMessage: Sendable {
    /// The payload; empty when it was larger than the copy limit (``size`` says how large).
    var payload: ByteBuffer
    var size: Int
    var contentType: String?
    /// The stream sequence (JetStream), else `nil`.
    var sequence: UInt64?
    /// Messages of the stream after this one not delivered yet (JetStream), else `nil`.
    var pending: UInt64?

    /// Whether the payload was too large to copy.
    var isOversize: Bool { payload.readableBytes != size }

    /// Copies `message` (a `natsMsg *`), at most `limit` payload bytes (larger payloads are
    /// only measured). `sequence` overrides the stream sequence (a message read by sequence has
    /// no delivery metadata).
    init(_ message: OpaquePointer, limit: Int, allocator: ByteBufferAllocator = ByteBufferAllocator(), sequence knownSequence: UInt64? = nil) {
        size = Int(natsMsg_GetDataLength(message))
        if size <= limit, let data = natsMsg_GetData(message) {
            var buffer = allocator.buffer(capacity: size)
            buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: size))
            payload = buffer
        } else {
            payload = allocator.buffer(capacity: 0)
        }
        var value: UnsafePointer<CChar>?
        if natsMsgHeader_Get(message, NATSPayload.contentTypeHeader, &value) == NATS_OK, let value {
            contentType = String(cString: value)
        }
        sequence = knownSequence
        if knownSequence == nil, natsMsg_GetReply(message) != nil {
            var meta: UnsafeMutablePointer<jsMsgMetaData>?
            if natsMsg_GetMetaData(&meta, message) == NATS_OK, let meta {
                sequence = meta.pointee.Sequence.Stream
                pending = meta.pointee.NumPending
                jsMsgMetaData_Destroy(meta)
            }
        }
    }
}
#endif
