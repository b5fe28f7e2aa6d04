import NIOCore

extension ByteBuffer {
    /// `incoming` after the bytes `pending` held back from an earlier read (an unfinished frame
    /// or event), taking them: `pending` is left empty. Without pending bytes, `incoming` as is.
    static func joining(_ pending: inout ByteBuffer, _ incoming: ByteBuffer) -> ByteBuffer {
        guard pending.readableBytes > 0 else { return incoming }
        pending.writeImmutableBuffer(incoming)
        defer { pending = ByteBuffer() }
        return pending
    }
}
