import NIOCore
import NIOWebSocket
import Testing

import WSEventCore
@testable import WSEventWebSocket

@Suite struct MessageAssemblerTests {
    static let invalidUTF8 = MessageAssembler.Outcome.fail(
        code: .dataInconsistentWithMessage, reason: "invalid UTF-8 in a text message")
    static let endsMidCharacter = MessageAssembler.Outcome.fail(
        code: .dataInconsistentWithMessage, reason: "a text message that ends inside a UTF-8 character")

    @Test func reassemblesFragments() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(assembler.receive(opcode: .text, fin: false, data: ByteBuffer(string: "hel")) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: false, data: ByteBuffer(string: "lo ")) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: true, data: ByteBuffer(string: "world")) == .message(.text("hello world")))
    }

    @Test func reassemblesALargeMessageByteForByte() {
        let whole = ByteBuffer(bytes: (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        var assembler = MessageAssembler(maxMessageSize: 1 << 20)
        var outcome = MessageAssembler.Outcome.needMore
        for offset in stride(from: 0, to: whole.readableBytes, by: 64) {
            let fragment = whole.getSlice(at: offset, length: min(64, whole.readableBytes - offset))!
            #expect(outcome == .needMore)
            outcome = assembler.receive(
                opcode: offset == 0 ? .binary : .continuation, fin: offset + 64 >= whole.readableBytes, data: fragment)
        }
        #expect(outcome == .message(.binary(whole)))
    }

    @Test func aWholeFrameIsOneMessage() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(assembler.receive(opcode: .binary, fin: true, data: ByteBuffer(bytes: [1, 2])) == .message(.binary(ByteBuffer(bytes: [1, 2]))))
        #expect(assembler.receive(opcode: .text, fin: true, data: ByteBuffer(string: "€")) == .message(.text("€")))
    }

    @Test func enforcesTheMessageSizeAcrossFragments() {
        var assembler = MessageAssembler(maxMessageSize: 8)
        let tooLarge = MessageAssembler.Outcome.fail(code: .messageTooLarge, reason: "a message larger than the 8-byte limit")
        #expect(assembler.receive(opcode: .binary, fin: false, data: ByteBuffer(repeating: 0, count: 5)) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: false, data: ByteBuffer(repeating: 0, count: 3)) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: true, data: ByteBuffer(repeating: 0, count: 1)) == tooLarge)
        #expect(assembler.receive(opcode: .text, fin: true, data: ByteBuffer(repeating: 65, count: 9)) == tooLarge)
        // Exactly the limit, in fragments, is fine.
        #expect(assembler.receive(opcode: .binary, fin: false, data: ByteBuffer(repeating: 0, count: 8)) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: true, data: ByteBuffer()) == .message(.binary(ByteBuffer(repeating: 0, count: 8))))
    }

    @Test func invalidUTF8FailsAtTheFragmentThatContainsIt() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(assembler.receive(opcode: .text, fin: false, data: ByteBuffer(string: "hel")) == .needMore)
        // Not the last fragment, yet the overlong "/" ends the message here.
        #expect(assembler.receive(opcode: .continuation, fin: false, data: ByteBuffer(bytes: [0x6C, 0xC0, 0xAF])) == Self.invalidUTF8)
        // The assembler starts afresh after a failure.
        #expect(assembler.receive(opcode: .text, fin: true, data: ByteBuffer(string: "ok")) == .message(.text("ok")))
    }

    @Test func invalidUTF8InTheFirstFragmentFailsAtOnce() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(assembler.receive(opcode: .text, fin: false, data: ByteBuffer(bytes: [0xED, 0xA0, 0x80])) == Self.invalidUTF8)
        #expect(assembler.receive(opcode: .text, fin: true, data: ByteBuffer(bytes: [0xC3, 0x28])) == Self.invalidUTF8)
    }

    @Test func aCharacterSplitAcrossFragments() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(assembler.receive(opcode: .text, fin: false, data: ByteBuffer(bytes: [0xC3])) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: true, data: ByteBuffer(bytes: [0xA9])) == .message(.text("é")))
        // A split character cut short by the next fragment fails in that fragment.
        #expect(assembler.receive(opcode: .text, fin: false, data: ByteBuffer(bytes: [0x61, 0xE2, 0x82])) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: false, data: ByteBuffer(bytes: [0x41])) == Self.invalidUTF8)
    }

    @Test func aTextEndingInsideACharacterFails() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(assembler.receive(opcode: .text, fin: false, data: ByteBuffer(bytes: [0x61, 0xE2])) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: true, data: ByteBuffer(bytes: [0x82])) == Self.endsMidCharacter)
        #expect(assembler.receive(opcode: .text, fin: true, data: ByteBuffer(bytes: [0xF0, 0x9F])) == Self.endsMidCharacter)
    }

    @Test func binaryIsNotCheckedAsUTF8() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(assembler.receive(opcode: .binary, fin: false, data: ByteBuffer(bytes: [0xC0])) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: true, data: ByteBuffer(bytes: [0xAF, 0xE2])) == .message(.binary(ByteBuffer(bytes: [0xC0, 0xAF, 0xE2]))))
    }

    @Test func aContinuationWithNoMessage() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(
            assembler.receive(opcode: .continuation, fin: true, data: ByteBuffer())
                == .fail(code: .protocolError, reason: "a continuation frame with no message to continue"))
    }

    @Test func aNewMessageInsideAFragmentedOne() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(assembler.receive(opcode: .text, fin: false, data: ByteBuffer(string: "a")) == .needMore)
        #expect(
            assembler.receive(opcode: .binary, fin: true, data: ByteBuffer(string: "b"))
                == .fail(code: .protocolError, reason: "a new message before the fragmented one ended"))
    }
}
