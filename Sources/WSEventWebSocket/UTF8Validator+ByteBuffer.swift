import NIOCore

extension UTF8Validator {
    /// Feeds the readable bytes of `buffer`, without consuming them, as the raw-bytes
    /// `feed` does.
    ///
    /// - Returns: `nil` if all is valid so far, otherwise the offset from the buffer's reader
    ///   index of the first byte that is not.
    public mutating func feed(_ buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { feed($0) }
    }
}

extension ByteBuffer {
    /// Whether the readable bytes are a complete, well-formed UTF-8 text (NIO does not check
    /// text frames).
    package var isValidUTF8: Bool {
        withUnsafeReadableBytes { UTF8Validator.isValid($0) }
    }
}
