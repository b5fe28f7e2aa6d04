import NIOCore

/// The frame bytes a client sends: masked (RFC 6455 5.3), here with the all-zero key, which
/// leaves the payload as it is. A load generator has no secret to hide from proxies, and the
/// zero key spares masking the bytes.
package enum ClientFrame {
    /// A close frame with `code` (1000: the run is over).
    package static func close(code: UInt16 = 1000) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeBytes([0x88, 0x82, 0, 0, 0, 0])
        buffer.writeInteger(code)
        return buffer
    }

    /// The pong that answers a ping with `payload` (at most 125 bytes, as a ping's is).
    package static func pong(_ payload: UnsafeRawBufferPointer) -> ByteBuffer {
        var buffer = ByteBuffer()
        let length = min(payload.count, 125)
        buffer.writeBytes([0x8A, 0x80 | UInt8(length), 0, 0, 0, 0])
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: payload[0..<length]))
        return buffer
    }
}
