import NIOCore
import NIOWebSocket
import Testing

import WSEventCore
@testable import WSEventWebSocket

@Suite struct CloseHandshakeTests {
    let normal = CloseFramePayload(code: .normalClosure)

    @Test func ourCloseWaitsForThePeersAndThenDisconnects() {
        var handshake = CloseHandshake()
        #expect(handshake.close(normal) == .sendClose(normal))
        #expect(!handshake.isOpen)
        #expect(handshake.close(normal) == .none)
        #expect(handshake.peerClosed(.success(CloseFramePayload(code: .normalClosure))) == .disconnect)
        #expect(handshake.state == .closed)
    }

    @Test func thePeersCloseIsAnsweredWithItsCodeOr1000() {
        var handshake = CloseHandshake()
        let peer = CloseFramePayload(code: .init(codeNumber: 4000), reason: "bye")
        #expect(handshake.peerClosed(.success(peer)) == .answerClose(CloseFramePayload(code: .init(codeNumber: 4000))))
        var empty = CloseHandshake()
        #expect(empty.peerClosed(.success(CloseFramePayload(code: nil))) == .answerClose(normal))
    }

    @Test func aMalformedCloseIsAnsweredWithTheViolationsCodeAndDropped() {
        var handshake = CloseHandshake()
        let violation = WebSocketError.violation(.dataInconsistentWithMessage, "a close reason that is not UTF-8")
        #expect(handshake.peerClosed(.failure(violation)) == .sendCloseAndDisconnect(CloseFramePayload(code: .dataInconsistentWithMessage)))
    }

    @Test func failingSendsOneCloseFrameAtMost() {
        var open = CloseHandshake()
        let payload = CloseFramePayload(code: .protocolError, reason: "x")
        #expect(open.fail(payload) == .sendCloseAndDisconnect(payload))
        #expect(open.fail(payload) == .none)
        var closing = CloseHandshake()
        _ = closing.close(normal)
        #expect(closing.fail(payload) == .drop)
    }
}

@Suite struct CloseFramePayloadTests {
    func parse(_ bytes: [UInt8]) -> Result<CloseFramePayload, WebSocketError> {
        CloseFramePayload.parse(ByteBuffer(bytes: bytes))
    }

    func failureCode(_ bytes: [UInt8]) -> UInt16? {
        guard case .failure(let error) = parse(bytes) else { return nil }
        return error.closeCode?.code
    }

    @Test func emptyMeansNoCode() throws {
        #expect(try parse([]).get() == CloseFramePayload(code: nil))
    }

    @Test func oneByteIsAProtocolError() {
        #expect(failureCode([0x03]) == 1002)
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])
    func invalidCodesAreAProtocolError(code: Int) {
        #expect(failureCode([UInt8(code >> 8), UInt8(code & 0xFF)]) == 1002)
    }

    @Test(arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])
    func validCodesAreRead(code: Int) throws {
        let payload = try parse([UInt8(code >> 8), UInt8(code & 0xFF)] + Array("why".utf8)).get()
        #expect(payload.code?.code == UInt16(code))
        #expect(payload.reason == "why")
    }

    @Test func aReasonThatIsNotUTF8Gets1007() {
        #expect(failureCode([0x03, 0xE8, 0xCE, 0xBA, 0xE1, 0xBD]) == 1007)
    }

    @Test func encodingCutsALongReasonAtACharacterBoundary() {
        let reason = String(repeating: "é", count: 100)  // 200 bytes
        let encoded = CloseFramePayload(code: .normalClosure, reason: reason).encoded(allocator: ByteBufferAllocator())
        #expect(encoded.readableBytes == 2 + 122)
        #expect(CloseFramePayload(code: nil).encoded(allocator: ByteBufferAllocator()).readableBytes == 0)
    }
}
