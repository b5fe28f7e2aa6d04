import TestSupport
import Testing

import WSEventCore
@testable import WSEventWebSocket

/// Malformed input from a WebSocket peer gets the right close code.
@Suite struct ProtocolErrorTests {
    func closeCode(after send: @escaping @Sendable (RawSocket) async throws -> Void) async throws -> UInt16? {
        try await withEventServer({ $0.maxMessageSize = 1024 }) { server in
            let socket = try RawSocket(port: server.port)
            let (head, rest) = try await socket.upgrade("/events")
            #expect(head.hasPrefix("HTTP/1.1 101"))
            try await send(socket)
            let frames = await socket.receiveFramesUntilClose(after: rest)
            return frames.first { $0.opcode == 0x8 }?.closeCode
        }
    }

    @Test func oversizeFrameGets1009() async throws {
        #expect(try await closeCode { try await $0.sendFrame(opcode: 0x1, payload: Array(repeating: 65, count: 2000)) } == 1009)
    }

    @Test func oversizeFragmentedMessageGets1009() async throws {
        let code = try await closeCode { socket in
            try await socket.sendFrame(opcode: 0x2, payload: Array(repeating: 1, count: 800), fin: false)
            try await socket.sendFrame(opcode: 0x0, payload: Array(repeating: 1, count: 800), fin: true)
        }
        #expect(code == 1009)
    }

    @Test func invalidUTF8Gets1007() async throws {
        #expect(try await closeCode { try await $0.sendFrame(opcode: 0x1, payload: [0xC3, 0x28]) } == 1007)
    }

    @Test func unmaskedClientFrameGets1002() async throws {
        #expect(try await closeCode { try await $0.sendFrame(opcode: 0x1, payload: Array("hi".utf8), masked: false) } == 1002)
    }

    @Test func reservedBitsGet1002() async throws {
        #expect(try await closeCode { try await $0.sendFrame(opcode: 0x1, payload: Array("hi".utf8), rsv1: true) } == 1002)
    }

    @Test func closeIsEchoed() async throws {
        #expect(try await closeCode { try await $0.sendFrame(opcode: 0x8, payload: [0x03, 0xE8]) } == 1000)
    }

    @Test func pingIsAnsweredWithPong() async throws {
        try await withEventServer { server in
            let socket = try RawSocket(port: server.port)
            let (_, rest) = try await socket.upgrade("/events")
            try await socket.sendFrame(opcode: 0x9, payload: Array("are you there".utf8))
            let frames = await socket.receiveFrames(after: rest) { $0.opcode == 0xA }
            let pong = frames.first { $0.opcode == 0xA }
            #expect(pong?.payload == Array("are you there".utf8))
        }
    }
}
