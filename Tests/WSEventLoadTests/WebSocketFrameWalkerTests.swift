import NIOCore
import Testing

@testable import WSEventLoad

@Suite struct WebSocketFrameWalkerTests {
    /// An unmasked server frame.
    static func frame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        switch payload.count {
        case 0...125: bytes.append(UInt8(payload.count))
        case 126...65535: bytes += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default: bytes += [127] + (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        return bytes + payload
    }

    struct Seen: Equatable {
        var first: UInt8
        var payload: [UInt8]
    }

    static func walk(_ reads: [[UInt8]], walker: inout WebSocketFrameWalker) throws -> [Seen] {
        var seen: [Seen] = []
        for read in reads {
            try walker.walk(ByteBuffer(bytes: read)) { first, payload in seen.append(Seen(first: first, payload: Array(payload))) }
        }
        return seen
    }

    @Test func everyLengthEncodingInOneRead() throws {
        let small = Array(repeating: UInt8(1), count: 5)
        let medium = Array(repeating: UInt8(2), count: 4096)
        let large = Array(repeating: UInt8(3), count: 70_000)
        var walker = WebSocketFrameWalker()
        let seen = try Self.walk([Self.frame(1, small) + Self.frame(2, medium) + Self.frame(1, large) + Self.frame(9, [7])], walker: &walker)
        #expect(seen == [Seen(first: 0x81, payload: small), Seen(first: 0x82, payload: medium), Seen(first: 0x81, payload: large), Seen(first: 0x89, payload: [7])])
        #expect(walker.pendingBytes == 0)
    }

    @Test func framesSplitAtEveryByteComeOutWhole() throws {
        let stream = Self.frame(1, Array("hello".utf8)) + Self.frame(1, Array(repeating: 9, count: 300)) + Self.frame(8, [3, 232])
        let expected = [
            Seen(first: 0x81, payload: Array("hello".utf8)), Seen(first: 0x81, payload: Array(repeating: 9, count: 300)),
            Seen(first: 0x88, payload: [3, 232]),
        ]
        for cut in 1..<stream.count {
            var walker = WebSocketFrameWalker()
            #expect(try Self.walk([Array(stream[..<cut]), Array(stream[cut...])], walker: &walker) == expected, "cut at \(cut)")
            #expect(walker.pendingBytes == 0)
        }
        var walker = WebSocketFrameWalker()
        #expect(try Self.walk(stream.map { [$0] }, walker: &walker) == expected)
    }

    @Test func aMaskedFrameIsSkippedWithItsKey() throws {
        var walker = WebSocketFrameWalker()
        let masked: [UInt8] = [0x81, 0x82, 1, 2, 3, 4, 0x61 ^ 1, 0x62 ^ 2]
        let seen = try Self.walk([masked + Self.frame(1, [0x63])], walker: &walker)
        #expect(seen == [Seen(first: 0x81, payload: [0x61 ^ 1, 0x62 ^ 2]), Seen(first: 0x81, payload: [0x63])])
    }

    @Test func aFrameOverTheLimitIsAnError() {
        var walker = WebSocketFrameWalker(maxFrameBytes: 100)
        #expect(throws: WebSocketFrameWalker.FrameTooLarge.self) {
            try walker.walk(ByteBuffer(bytes: [0x82, 126, 0x01, 0x00])) { _, _ in }
        }
    }

    @Test func clientFramesAreMaskedWithTheZeroKey() {
        #expect(Array(buffer: ClientFrame.close()) == [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8])
        let ping: [UInt8] = [1, 2, 3]
        let pong = ping.withUnsafeBytes { ClientFrame.pong($0) }
        #expect(Array(buffer: pong) == [0x8A, 0x83, 0, 0, 0, 0, 1, 2, 3])
    }
}
