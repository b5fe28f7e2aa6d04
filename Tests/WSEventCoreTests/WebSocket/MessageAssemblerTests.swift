import NIOCore
import NIOWebSocket
import Testing

@testable import WSEventCore

@Suite struct MessageAssemblerTests {
    @Test func reassemblesFragments() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(assembler.receive(opcode: .text, fin: false, data: ByteBuffer(string: "hel")) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: false, data: ByteBuffer(string: "lo ")) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: true, data: ByteBuffer(string: "world")) == .message(.text("hello world")))
    }

    @Test func enforcesTheMessageSizeAcrossFragments() {
        var assembler = MessageAssembler(maxMessageSize: 8)
        #expect(assembler.receive(opcode: .binary, fin: false, data: ByteBuffer(repeating: 0, count: 5)) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: true, data: ByteBuffer(repeating: 0, count: 5)) == .fail(.messageTooLarge))
        #expect(assembler.receive(opcode: .text, fin: true, data: ByteBuffer(repeating: 65, count: 9)) == .fail(.messageTooLarge))
    }

    @Test func rejectsInvalidUTF8InText() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(assembler.receive(opcode: .text, fin: true, data: ByteBuffer(bytes: [0xC3, 0x28])) == .fail(.dataInconsistentWithMessage))
        // A code point split across fragments is fine once the message is whole.
        #expect(assembler.receive(opcode: .text, fin: false, data: ByteBuffer(bytes: [0xC3])) == .needMore)
        #expect(assembler.receive(opcode: .continuation, fin: true, data: ByteBuffer(bytes: [0xA9])) == .message(.text("é")))
        #expect(assembler.receive(opcode: .binary, fin: true, data: ByteBuffer(bytes: [0xC3, 0x28])) == .message(.binary(ByteBuffer(bytes: [0xC3, 0x28]))))
    }

    @Test func rejectsBadContinuationOrder() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(assembler.receive(opcode: .continuation, fin: true, data: ByteBuffer()) == .fail(.protocolError))
        #expect(assembler.receive(opcode: .text, fin: false, data: ByteBuffer(string: "a")) == .needMore)
        #expect(assembler.receive(opcode: .text, fin: true, data: ByteBuffer(string: "b")) == .fail(.protocolError))
    }
}
