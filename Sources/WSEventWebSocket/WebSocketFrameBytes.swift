import NIOCore
import NIOWebSocket

/// Encodes a complete, unmasked server-to-client frame (header and payload) into one buffer.
///
/// Server frames are never masked, so one event's frame is byte-for-byte the same for every
/// subscriber of a wire mode: the fan-out encodes it once and writes the same `ByteBuffer` to
/// every connection (see ``WebSocketOutbound/encodedFrame(_:)``).
package enum WebSocketFrameBytes {
    /// A final frame of `opcode` carrying `header` followed by `payload`.
    package static func encode(
        opcode: WebSocketOpcode,
        header: ByteBuffer? = nil,
        payload: ByteBuffer,
        allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let length = (header?.readableBytes ?? 0) + payload.readableBytes
        var buffer = allocator.buffer(capacity: length + 10)
        buffer.writeInteger(UInt8(0x80) | UInt8(webSocketOpcode: opcode))
        switch length {
        case 0...125:
            buffer.writeInteger(UInt8(length))
        case 126...Int(UInt16.max):
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        default:
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
        if var header { buffer.writeBuffer(&header) }
        buffer.writeImmutableBuffer(payload)
        return buffer
    }
}
