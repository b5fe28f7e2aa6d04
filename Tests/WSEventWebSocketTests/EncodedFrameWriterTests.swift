import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

import WSEventCore
@testable import WSEventWebSocket

/// The fan-out's door for pre-encoded frames: same bytes, same order and same close rule as
/// writing ``WebSocketOutbound/encodedFrame(_:)`` through the pipeline.
@Suite struct EncodedFrameWriterTests {
    /// An upgraded server pipeline: the frame encoder, then the protocol handler.
    func upgradedChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        try channel.pipeline.syncOperations.addHandler(
            WebSocketProtocolHandler(isServer: true, configuration: WebSocketConfiguration(pingInterval: nil))
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        return channel
    }

    func frame(_ text: String) -> ByteBuffer {
        WebSocketFrameBytes.encode(opcode: .text, payload: ByteBuffer(string: text), allocator: ByteBufferAllocator())
    }

    /// The bytes flushed so far.
    func wire(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        return bytes
    }

    @Test func thereIsNoWriterBeforeTheUpgrade() {
        #expect(EncodedFrameWriter(EmbeddedChannel().pipeline.syncOperations) == nil)
    }

    @Test func framesKeepTheirOrderWithThoseWrittenThroughThePipeline() throws {
        let channel = try upgradedChannel()
        let writer = try #require(EncodedFrameWriter(channel.pipeline.syncOperations))
        #expect(writer.isOpen)
        #expect(writer.write(frame("a")))
        channel.write(WebSocketOutbound.encodedFrame(frame("b")), promise: nil)
        #expect(writer.write(frame("c")))
        #expect(try wire(channel).isEmpty, "nothing goes out before the flush")
        writer.flush()
        #expect(try wire(channel) == Array(frame("a").readableBytesView + frame("b").readableBytesView + frame("c").readableBytesView))
    }

    /// Once the close frame is sent, no data frame may follow it (RFC 6455 §5.5.1).
    @Test func nothingIsWrittenOnceTheCloseHandshakeBegan() throws {
        let channel = try upgradedChannel()
        let writer = try #require(EncodedFrameWriter(channel.pipeline.syncOperations))
        channel.write(WebSocketOutbound.close(.goingAway, reason: ""), promise: nil)
        #expect(!writer.isOpen)
        #expect(!writer.write(frame("late")))
        writer.flush()
        #expect(try wire(channel) == [0x88, 2, 0x03, 0xE9])
    }
}
