import NIOCore
import NIOWebSocket
import Testing

import WSEventCore
@testable import WSEventTransports
@testable import WSEventWebSocket

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

    /// The v1 frame and the SSE event are made on first use, once, and are the bytes an eager
    /// encoding gives; the replay buffer counts all three from the start.
    @Test func v1AndSSEEncodingsAreMadeOnceOnFirstUse() {
        let epoch = Epoch("ep")!
        for (kind, payload) in [(EventKind.text, ByteBuffer(string: "hello")), (.binary, ByteBuffer(bytes: [0, 1, 2, 255]))] {
            let event = Event(id: 42, kind: kind, payload: payload)
            let encoded = EncodedEvent(event, epoch: epoch, allocator: ByteBufferAllocator())
            let v1 = encoded.frame(for: .v1)
            let sse = encoded.sseEvent
            let opcode: WebSocketOpcode = kind == .text ? .text : .binary
            let allocator = ByteBufferAllocator()
            #expect(v1 == WebSocketFrameBytes.encode(opcode: opcode, header: V1Header.event(id: 42).encoded(), payload: payload, allocator: allocator))
            #expect(sse == SSEFormat.event(epoch: epoch, id: 42, kind: kind, payload: payload, allocator: allocator))
            // Made once: later readers share the same storage.
            let again = encoded.frame(for: .v1)
            #expect(v1.withUnsafeReadableBytes { $0.baseAddress } == again.withUnsafeReadableBytes { $0.baseAddress })
            let plain = encoded.frame(for: .plain).readableBytes
            #expect(encoded.retainedBytes == plain + v1.readableBytes + sse.readableBytes)
        }
    }

    /// Subscribers on several loops may ask for a format at once: all of them get the same one.
    @Test func concurrentFirstUsesAgreeOnOneEncoding() async {
        let encoded = EncodedEvent(Event(id: 7, kind: .text, payload: ByteBuffer(string: "race")), epoch: Epoch("ep")!, allocator: ByteBufferAllocator())
        let addresses = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { encoded.frame(for: .v1).withUnsafeReadableBytes { Int(bitPattern: $0.baseAddress) } }
            }
            return await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(addresses.count == 1)
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
