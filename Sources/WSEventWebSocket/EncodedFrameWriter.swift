import NIOCore

/// Writes pre-encoded frames (``WebSocketFrameBytes``) on an upgraded connection straight to the
/// transport below the protocol handler (and below NIO's frame encoder, on a pipeline that has
/// one): no ``WebSocketOutbound`` message to box into `NIOAny` and unwrap again, no pass through
/// the handlers for each frame. It is what a fan-out does for every subscriber and event, so it
/// is worth its own door.
///
/// The bytes take the same way as ``WebSocketOutbound/encodedFrame(_:)`` (the one that stays for
/// everything else), so frames written either way keep their order; and like it, nothing more
/// is written once the close handshake began. Use on the channel's event loop only.
package struct EncodedFrameWriter {
    private let handler: WebSocketProtocolHandler

    /// The writer of the connection this pipeline carries; `nil` before the upgrade, or when it
    /// is no WebSocket.
    package init?(_ pipeline: ChannelPipeline.SynchronousOperations) {
        guard let handler = try? pipeline.handler(type: WebSocketProtocolHandler.self) else { return nil }
        self.handler = handler
    }

    /// Whether data frames may still be written: false once the close handshake began.
    package var isOpen: Bool { handler.acceptsEncodedFrames }

    /// Writes a complete frame without flushing; false, writing nothing, once the close
    /// handshake began.
    @discardableResult
    package func write(_ frame: ByteBuffer) -> Bool {
        handler.writeEncodedFrame(frame)
    }

    /// Flushes what was written.
    package func flush() {
        handler.flushEncodedFrames()
    }
}
