import NIOCore
import Testing

import WSEventCore
@testable import WSEventTransports

@Suite struct EncodedEventTests {
    @Test func framesAreCompleteAndUnmasked() {
        let event = Event(id: 3, kind: .text, payload: ByteBuffer(string: "hi"))
        let encoded = EncodedEvent(event, epoch: Epoch("ep")!, allocator: ByteBufferAllocator())
        #expect(Array(encoded.frame(for: .plain).readableBytesView) == [0x81, 2] + Array("hi".utf8))
        #expect(Array(encoded.frame(for: .v1).readableBytesView) == [0x81, 4] + Array("3\nhi".utf8))
    }

    /// One copy of the payload, not four: the event's payload is the tail of the plain frame.
    @Test func thePayloadIsAViewIntoThePlainFrame() {
        let payload = ByteBuffer(repeating: 7, count: 100_000)
        let encoded = EncodedEvent(Event(id: 1, kind: .binary, payload: payload), epoch: Epoch("ep")!, allocator: ByteBufferAllocator())
        #expect(encoded.event.payload == payload)
        let frame = encoded.frame(for: .plain)
        let inFrame = frame.withUnsafeReadableBytes { frameBytes in
            encoded.event.payload.withUnsafeReadableBytes { payloadBytes in
                payloadBytes.baseAddress! == frameBytes.baseAddress! + (frame.readableBytes - payload.readableBytes)
            }
        }
        #expect(inFrame)
        // The three encodings: the plain and v1 frames, and the SSE event (base64 for binary).
        #expect(encoded.retainedBytes > 100_000 * 3 && encoded.retainedBytes < 100_000 * 4)
    }

    @Test func binaryEventsUseTheBinaryOpcode() {
        let event = Event(id: 1, kind: .binary, payload: ByteBuffer(bytes: [0xFF, 0x00]))
        let encoded = EncodedEvent(event, epoch: Epoch("ep")!, allocator: ByteBufferAllocator())
        #expect(encoded.frame(for: .plain).getInteger(at: 0, as: UInt8.self) == 0x82)
    }

    @Test func lengthEncodingsMatchRFC6455() {
        let allocator = ByteBufferAllocator()
        let medium = WebSocketFrameBytes.encode(opcode: .binary, payload: ByteBuffer(repeating: 1, count: 300), allocator: allocator)
        #expect(Array(medium.readableBytesView.prefix(4)) == [0x82, 126, 0x01, 0x2C])
        #expect(medium.readableBytes == 304)
        let large = WebSocketFrameBytes.encode(opcode: .binary, payload: ByteBuffer(repeating: 1, count: 70_000), allocator: allocator)
        #expect(Array(large.readableBytesView.prefix(2)) == [0x82, 127])
        #expect(large.getInteger(at: 2, as: UInt64.self) == 70_000)
    }

    @Test func subprotocolSelectsTheMode() {
        #expect(WireMode(offeredSubprotocols: []) == .plain)
        #expect(WireMode(offeredSubprotocols: ["chat"]) == .plain)
        #expect(WireMode(offeredSubprotocols: ["chat, wsevent.v1"]) == .v1)
        #expect(WireMode(offeredSubprotocols: ["wsevent.v1"]) == .v1)
    }
}
