import NIOCore

/// Finds the frames in the bytes a WebSocket client receives, in place: each complete frame is
/// handed to a closure as its first byte (FIN and opcode) and a pointer to its payload, valid
/// only during the call. Only the tail of a frame split across reads is kept (and copied).
///
/// Why not NIO's `WebSocketFrameDecoder`: it makes a `WebSocketFrame` (a class-backed value,
/// boxed again in `NIOAny`) per frame, which a load generator receiving millions of frames a
/// second on the same two cores as the server it measures cannot afford. Here a read costs one
/// clock reading and a walk over its bytes, whatever number of frames it carries.
package struct WebSocketFrameWalker: Sendable {
    /// A frame's header said its payload is larger than ``maxFrameBytes``.
    package struct FrameTooLarge: Error, CustomStringConvertible {
        package var length: UInt64
        package var description: String { "a frame of \(length) bytes, over the load generator's limit" }
    }

    /// The largest frame payload accepted; a larger one is an error rather than an unbounded wait.
    package let maxFrameBytes: Int
    private var pending = ByteBuffer()

    package init(maxFrameBytes: Int = 16 << 20) {
        self.maxFrameBytes = maxFrameBytes
    }

    /// Bytes of a frame not yet complete, kept for the next read.
    package var pendingBytes: Int { pending.readableBytes }

    /// Walks `incoming` (after whatever an earlier call left pending) and calls `body` with each
    /// complete frame's first byte and payload. A masked frame (which a server must not send)
    /// is handed on still masked.
    package mutating func walk(
        _ incoming: ByteBuffer,
        _ body: (_ firstByte: UInt8, _ payload: UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var buffer = ByteBuffer.joining(&pending, incoming)
        let maxFrameBytes = self.maxFrameBytes
        let consumed = try buffer.withUnsafeReadableBytes { bytes -> Int in
            var offset = 0
            while bytes.count - offset >= 2 {
                let first = bytes[offset]
                let second = bytes[offset + 1]
                var headerLength = 2
                var length = UInt64(second & 0x7F)
                if length == 126 {
                    guard bytes.count - offset >= 4 else { break }
                    length = UInt64(bytes[offset + 2]) << 8 | UInt64(bytes[offset + 3])
                    headerLength = 4
                } else if length == 127 {
                    guard bytes.count - offset >= 10 else { break }
                    length = 0
                    for index in 2..<10 { length = length << 8 | UInt64(bytes[offset + index]) }
                    headerLength = 10
                }
                guard length <= UInt64(maxFrameBytes) else { throw FrameTooLarge(length: length) }
                if second & 0x80 != 0 { headerLength += 4 }
                let end = offset + headerLength + Int(length)
                guard end <= bytes.count else { break }
                try body(first, UnsafeRawBufferPointer(rebasing: bytes[(offset + headerLength)..<end]))
                offset = end
            }
            return offset
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        if buffer.readableBytes > 0 {
            // Keep only the unfinished frame, so a large read buffer is not held on to.
            pending = ByteBuffer(buffer.readableBytesView)
        }
    }
}
